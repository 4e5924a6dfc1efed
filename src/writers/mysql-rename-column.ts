/**
 * Both ORMs rename a MySQL column by reading it back (SHOW FULL COLUMNS / SHOW FULL FIELDS) and
 * restating it: Sequelize writes `CHANGE old new <Type> [NOT NULL] DEFAULT <Default, quoted>`
 * (abstract/query-interface.js renameColumn), knex `change old new <Type> NULL|NOT NULL [DEFAULT
 * '<Default>'] [COLLATE '<Collation>'] [AUTO_INCREMENT]` after dropping the foreign keys that
 * reference the table, which it then re-creates (mysql-tablecompiler.js renameColumn). Measured
 * on MariaDB 10.11: the type, nullability and the table's collation come back; a comment, ON
 * UPDATE, a column character set do not, and an expression default comes back as a quoted
 * string. So a builder rename only for a column with none of those and no default, not JSON
 * (MariaDB's CHECK names the column), ENUM or SET, on no foreign key, in a table with no CHECK
 * constraint that no foreign key references.
 */
import { qualify, type QName, type Schema } from '../ir/schema.js';

/** Why the ORM's renameColumn would not keep the column as it is (`why` is the ORM's general
 * reason), or undefined. */
export function mysqlRenameColumnProblem(
  before: Schema,
  table: QName,
  from: string,
  why: string,
): string | undefined {
  const t = before.tables[qualify(table)];
  const col = t?.columns.find((c) => c.name === from);
  if (!t || !col) return 'the column is not in the replayed schema';
  if (
    col.comment !== undefined ||
    col.collation !== undefined ||
    col.type.charset !== undefined ||
    col.onUpdate !== undefined ||
    col.autoIncrement ||
    col.generated !== undefined ||
    col.default !== undefined
  )
    return why;
  const type = col.type.name.toUpperCase();
  if (['JSON', 'ENUM', 'SET'].includes(type))
    return `renameColumn restates a ${type} column from the catalog`;
  if (t.constraints.some((k) => k.type === 'check'))
    return 'renameColumn restates the column under a CHECK constraint';
  const key = qualify(table);
  const foreign = Object.values(before.tables).some((o) =>
    o.constraints.some(
      (k) =>
        k.type === 'foreign' &&
        ((qualify(o.name) === key && k.columns.includes(from)) || qualify(k.references) === key),
    ),
  );
  if (foreign)
    return 'renameColumn restates the column, and knex drops and re-creates the foreign keys that reference its table';
  return undefined;
}
