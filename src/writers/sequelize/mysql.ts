/**
 * Sequelize migration statements for MySQL / MariaDB (Sequelize's `mysql` dialect): the
 * handlers that differ from the base table of changes.ts (dialect.ts is the seam), and the raw
 * reasons that read differently. Every other kind goes through the base handler with MySQL's
 * SQL, or is raw SQL when only PostgreSQL has it (../dialect.ts).
 *
 * Conventions: builder calls only where Sequelize 6.37's mysql query generator writes exactly the
 * source's catalog: createTable (engine, charset and collation passed as options), addColumn,
 * changeColumn (it restates the whole column, as MySQL does: a new type, nullability, default,
 * AUTO_INCREMENT, ON UPDATE or column comment), removeColumn, dropTable,
 * renameTable, addIndex (prefix lengths, order, FULLTEXT), removeIndex and foreign keys.
 * The type is `Sequelize.DataTypes.X` where data-types.ts proves it builds the same column
 * (`DataTypes.DATE(3)` is DATETIME(3), `DataTypes.ENUM('A', 'B')` keeps its values in order), and
 * otherwise a literal SQL string, which also carries what attributeToSQL has no option for
 * (`CHARACTER SET`, `COLLATE`, `ON UPDATE`). Everything else is the statement from the MySQL SQL renderer, under a
 * `raw:` comment saying why. Names with a backtick or a dot go raw: Sequelize strips backticks
 * and splits on dots.
 *
 * MySQL DDL is not transactional, so no migration is wrapped in a transaction, and each down
 * step is guarded (../dialect.ts guardDown, shared with the Knex writer): it runs only when the
 * up change it undoes took effect, which an information_schema query decides. A down() after a
 * half-failed up() undoes just what ran.
 */
import { qualify, type Column, type Index, type QName, type Schema } from '../../ir/schema.js';
import { obj, type Js, type JsObject } from '../code/index.js';
import { MYSQL } from '../dialect.js';
import { mysqlRenameColumnProblem } from '../mysql-rename-column.js';
import { renderMysqlType } from '../sql/mysql.js';
import {
  intent,
  literal,
  orRaw,
  qi,
  raw,
  restating,
  sameList,
  stmt,
  type EmitContext,
  type Emitted,
  type Handler,
  type Overrides,
} from './changes.js';
import type { SequelizeDialect } from './dialect.js';
import { attributeType } from './types.js';

/** Sequelize quotes this name as one identifier (it strips backticks, splits on dots). */
const plainName = (name: string): boolean =>
  !name.includes('`') && !name.includes('.') && name !== '' && name !== '__proto__';

/** attributeToSQL leaves out the DEFAULT of these types, compared as whole type strings. */
const NO_DEFAULT_TYPES = new Set(['BLOB', 'TEXT', 'GEOMETRY', 'JSON']);

/** The type string of a column: the SQL type plus what Sequelize has no attribute option for. */
export const mysqlTypeString = (c: Column): string =>
  [
    renderMysqlType(c.type),
    c.collation !== undefined ? `COLLATE ${c.collation}` : '',
    c.onUpdate !== undefined ? `ON UPDATE ${c.onUpdate}` : '',
  ]
    .filter(Boolean)
    .join(' ');

/** A plain JS default when Sequelize escapes it to exactly the source text. */
const plainDefault = (text: string): number | undefined =>
  /^-?(0|[1-9]\d*)$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;

/** The attribute object of a column, or the reason it cannot be one. */
function columnAttribute(ctx: EmitContext, col: Column): JsObject | string {
  if (!plainName(col.name))
    return `column name ${JSON.stringify(col.name)} cannot pass through Sequelize's quoting`;
  if (col.generated !== undefined) return 'Sequelize has no generated columns';
  const type = mysqlTypeString(col);
  if (col.default !== undefined && NO_DEFAULT_TYPES.has(type.toUpperCase()))
    return `Sequelize drops the DEFAULT of a ${type} column`;
  const plain = col.default === undefined ? undefined : plainDefault(col.default);
  return obj(
    [
      'type',
      // a DataTypes value only where the string is the bare type (no COLLATE or ON UPDATE)
      type === renderMysqlType(col.type)
        ? attributeType(ctx, col.type, 'mysql', type, plain)
        : type,
    ],
    ['allowNull', !col.notNull],
    ['defaultValue', col.default === undefined ? undefined : (plain ?? literal(ctx, col.default))],
    ['autoIncrement', col.autoIncrement ? true : undefined],
    ['comment', col.comment],
  );
}

const withEntry = (o: JsObject, key: string, value: Js): JsObject =>
  obj(...o.entries, [key, value]);
const optionWord = (v: string | undefined) => v === undefined || /^\w+$/.test(v);

function addIndex(ctx: EmitContext, index: Index): Emitted[] | string {
  if (!plainName(index.name) || !plainName(index.table.name))
    return "a name that cannot pass through Sequelize's quoting";
  if (index.kind === 'spatial') return 'a SPATIAL index';
  if (index.using !== undefined && !/^\w+$/.test(index.using))
    return 'an index method Sequelize cannot pass';
  const fields: Js[] = [];
  for (const e of index.elements) {
    if (e.kind !== 'column') return 'an expression index';
    if (!plainName(e.name)) return "a column name that cannot pass through Sequelize's quoting";
    fields.push(
      e.length === undefined && e.order === undefined
        ? e.name
        : obj(['name', e.name], ['length', e.length], ['order', e.order]),
    );
  }
  return [
    stmt(
      qi(ctx, 'addIndex', [
        index.table.name,
        obj(
          ['name', index.name],
          ['fields', fields],
          ['unique', index.unique && index.kind === undefined ? true : undefined],
          ['type', index.kind === 'fulltext' ? 'FULLTEXT' : undefined],
          ['using', index.using],
        ),
      ]),
    ),
  ];
}

/** changeColumn restating the whole target column, or why not. */
function changeColumn(ctx: EmitContext, table: QName, target: Column): Emitted[] | string {
  if (!plainName(table.name)) return "a table name that cannot pass through Sequelize's quoting";
  const attr = columnAttribute(ctx, target);
  if (typeof attr === 'string') return attr;
  return [stmt(qi(ctx, 'changeColumn', [table.name, target.name, attr]))];
}

/** changeColumn of the column as the change leaves it (sql/restate.ts), or raw SQL. */
const restate = restating((ctx, _before, table, column, what) =>
  intent(changeColumn(ctx, table, column), what),
);

/** Why a column renamed on MySQL stays raw SQL (mysqlRenameColumnProblem). */
const RENAME_COLUMN_WHY =
  'renameColumn restates the column from describeTable, which loses ON UPDATE, AUTO_INCREMENT, collations, comments and expression defaults';

/** createTable with the table options and, where it is one, the primary key inline; the other
 * constraints after it (AddConstraint). */
const createTable: Handler<'CreateTable'> = (change, before, ctx) => {
  const t = change.table;
  if (!plainName(t.name.name))
    return raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting");
  const o = t.options;
  if (!optionWord(o?.engine) || !optionWord(o?.charset) || !optionWord(o?.collation))
    return raw(ctx, change, before, 'table options Sequelize cannot pass');
  if (o?.autoIncrement !== undefined)
    return raw(ctx, change, before, 'a table AUTO_INCREMENT start');
  if (t.comment !== undefined) return raw(ctx, change, before, 'a table comment');
  const pk = t.constraints.find((c) => c.type === 'primary');
  // createTable writes PRIMARY KEY (<key columns in attribute order>)
  const inlinePk =
    !!pk &&
    pk.type === 'primary' &&
    sameList(
      t.columns.filter((c) => pk.columns.includes(c.name)).map((c) => c.name),
      pk.columns,
    );
  const entries: [string, Js][] = [];
  for (const col of t.columns) {
    const attr = columnAttribute(ctx, col);
    if (typeof attr === 'string') return raw(ctx, change, before, attr);
    entries.push([
      col.name,
      inlinePk && pk!.type === 'primary' && pk!.columns.includes(col.name)
        ? withEntry(attr, 'primaryKey', true)
        : attr,
    ]);
  }
  // AUTO_INCREMENT needs its key in the same statement
  if (!inlinePk && t.columns.some((c) => c.autoIncrement))
    return raw(
      ctx,
      change,
      before,
      'an AUTO_INCREMENT column whose key is not the inline primary key',
    );
  const options = obj(['engine', o?.engine], ['charset', o?.charset], ['collate', o?.collation]);
  const out = [
    stmt(
      qi(ctx, 'createTable', [
        t.name.name,
        obj(...entries),
        ...(options.entries.some(([, v]) => v !== undefined) ? [options] : []),
      ]),
    ),
  ];
  for (const c of t.constraints) {
    if (inlinePk && c === pk) continue;
    out.push(
      ...OVERRIDES.AddConstraint(
        { kind: 'AddConstraint', table: t.name, constraint: c },
        before,
        ctx,
      ),
    );
  }
  return out;
};

/** Where Sequelize's mysql query generator differs from the base table (changes.ts): a handler,
 * or why the change stays raw SQL where the base table's reason does not say it for MySQL. A
 * kind only PostgreSQL has needs no entry (../dialect.ts). */
const OVERRIDES = {
  CreateTable: createTable,
  DropTable: (change, before, ctx) =>
    plainName(change.name.name)
      ? [stmt(qi(ctx, 'dropTable', [change.name.name]))]
      : raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting"),
  RenameTable: (change, before, ctx) =>
    plainName(change.from.name) && plainName(change.to)
      ? [stmt(qi(ctx, 'renameTable', [change.from.name, change.to]))]
      : raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting"),
  AddColumn: (change, before, ctx) => {
    if (!plainName(change.table.name))
      return raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting");
    const attr = columnAttribute(ctx, change.column);
    if (typeof attr === 'string') return raw(ctx, change, before, attr);
    if (change.column.autoIncrement)
      return raw(
        ctx,
        change,
        before,
        'an AUTO_INCREMENT column needs its key in the same statement',
      );
    return [stmt(qi(ctx, 'addColumn', [change.table.name, change.column.name, attr]))];
  },
  DropColumn: (change, before, ctx) => {
    if (!plainName(change.table.name) || !plainName(change.column))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    // removeColumn first drops every foreign key on the column, which MySQL would refuse to do implicitly
    const t = before.tables[qualify(change.table)];
    if (t?.constraints.some((k) => k.type === 'foreign' && k.columns.includes(change.column)))
      return raw(ctx, change, before, 'removeColumn silently drops the foreign keys on the column');
    return [stmt(qi(ctx, 'removeColumn', [change.table.name, change.column]))];
  },
  RenameColumn: (change, before, ctx) => {
    const why = !(plainName(change.table.name) && plainName(change.from) && plainName(change.to))
      ? "a name that cannot pass through Sequelize's quoting"
      : mysqlRenameColumnProblem(before, change.table, change.from, RENAME_COLUMN_WHY);
    if (why) return raw(ctx, change, before, why);
    return [stmt(qi(ctx, 'renameColumn', [change.table.name, change.from, change.to]))];
  },
  AlterColumnType: restate,
  SetNotNull: restate,
  SetDefault: restate,
  // changeColumn restates the whole column: `autoIncrement: true`, ON UPDATE in the type string
  SetAutoIncrement: restate,
  SetOnUpdate: restate,
  // a column's comment is changeColumn's `comment` (attributeToSQL's COMMENT); a table's is raw
  SetComment: (change, before, ctx) =>
    change.target.kind === 'column'
      ? restate(change, before, ctx)
      : raw(
          ctx,
          change,
          before,
          'Sequelize sets comments only while creating or changing a column',
        ),
  AddConstraint: (change, before, ctx) => {
    const c = change.constraint;
    if (!plainName(change.table.name) || !plainName(c.name))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    if (c.type === 'check')
      return raw(
        ctx,
        change,
        before,
        'Sequelize builds CHECK from a where object; the expression is kept as written',
      );
    if (c.type === 'unique')
      return raw(ctx, change, before, 'a UNIQUE constraint (MySQL makes it an index)');
    if (c.type === 'exclude') return raw(ctx, change, before, 'MySQL has no EXCLUDE constraint');
    if (!c.columns.every(plainName))
      return raw(ctx, change, before, "a column name that cannot pass through Sequelize's quoting");
    if (c.type === 'primary')
      return [
        stmt(
          qi(ctx, 'addConstraint', [
            change.table.name,
            obj(['type', 'primary key'], ['fields', c.columns]),
          ]),
        ),
      ];
    if (
      !plainName(c.references.name) ||
      !c.referencedColumns.every(plainName) ||
      c.referencedColumns.length !== 1
    )
      return raw(ctx, change, before, 'a composite or unquotable reference');
    return [
      stmt(
        qi(ctx, 'addConstraint', [
          change.table.name,
          obj(
            ['type', 'foreign key'],
            ['name', c.name],
            ['fields', c.columns],
            ['references', obj(['table', c.references.name], ['field', c.referencedColumns[0]])],
            ['onDelete', c.onDelete],
            ['onUpdate', c.onUpdate],
          ),
        ]),
      ),
    ];
  },
  DropConstraint: (change, before, ctx) => {
    const k = before.tables[qualify(change.table)]?.constraints.find((c) => c.name === change.name);
    // the primary key: removeConstraint finds PRIMARY in information_schema (the table name
    // spliced into a quoted string, unescaped) and sends DROP INDEX `PRIMARY`, which drops it
    if (k?.type === 'primary' && plainName(change.table.name) && !/['\\]/.test(change.table.name))
      return [stmt(qi(ctx, 'removeConstraint', [change.table.name, 'PRIMARY']))];
    if (k?.type !== 'foreign' || !plainName(change.table.name) || !plainName(change.name))
      return raw(ctx, change, before, 'removeConstraint drops foreign keys and indexes only');
    return [stmt(qi(ctx, 'removeConstraint', [change.table.name, change.name]))];
  },
  CreateIndex: (change, before, ctx) => orRaw(ctx, change, before, addIndex(ctx, change.index)),
  DropIndex: (change, before, ctx) => {
    const index = before.indexes[qualify(change.name)];
    if (!index) return raw(ctx, change, before, 'the index is not in the replayed schema');
    if (!plainName(index.table.name) || !plainName(index.name))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    return [stmt(qi(ctx, 'removeIndex', [index.table.name, index.name]))];
  },
  CreateFunction: 'the source statement is kept',
  DropFunction: 'kept as written',
  CreateTrigger: 'the source statement is kept',
  DropTrigger: 'kept as written',
} satisfies Overrides;

export const MYSQL_SEQUELIZE: SequelizeDialect = {
  sql: MYSQL,
  overrides: OVERRIDES,
};
