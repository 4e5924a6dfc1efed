/**
 * The dialect is one seam for both targets (src/writers/dialect.ts): each target has one base
 * handler table, and MySQL brings only the entries that differ: a handler, or the reason a change
 * stays raw SQL where the base's does not say it for MySQL. So a new change kind is one base
 * entry per target; MySQL needs an entry only where its builder really differs, and a kind only
 * PostgreSQL has is raw SQL on MySQL without any entry.
 */
import { describe, expect, it } from 'vitest';
import { POSTGRES_ONLY_KINDS, type Change, type ChangeKind } from '../../src/ir/changes.js';
import { emptySchema } from '../../src/ir/schema.js';
import { js } from '../../src/writers/code/index.js';
import { MYSQL, POSTGRESQL } from '../../src/writers/dialect.js';
import { emitChange as emitKnex } from '../../src/writers/knex/changes.js';
import { MYSQL_DIALECT } from '../../src/writers/knex/mysql.js';
import { emitChange as emitSequelize } from '../../src/writers/sequelize/changes.js';
import { MYSQL_SEQUELIZE } from '../../src/writers/sequelize/mysql.js';
import { MYSQL_SQL_OVERRIDES, renderMysqlChange } from '../../src/writers/sql/mysql.js';
import { renderChange } from '../../src/writers/sql/postgres.js';

const rawSql: Change = { kind: 'RawSql', sql: 'UPDATE `t` SET `a` = 1', category: 'data', reason: 'data', noCatalogEffect: false } as Change;

describe('the dialect seam', () => {
  it('MySQL overrides fewer than half of the change kinds, in each target, and never a kind only PostgreSQL has', () => {
    const kinds = 41; // ChangeKind's members
    for (const overrides of [MYSQL_DIALECT.overrides, MYSQL_SEQUELIZE.overrides]) {
      const keys = Object.keys(overrides) as ChangeKind[];
      expect(keys.length).toBeLessThan(kinds / 2);
      expect(keys.filter((k) => MYSQL.postgresOnly.has(k))).toEqual([]);
    }
  });

  it('a kind without a MySQL entry goes through the base handler with MySQL SQL (RawSql)', () => {
    expect(MYSQL_DIALECT.overrides.RawSql).toBeUndefined();
    expect(MYSQL_SEQUELIZE.overrides.RawSql).toBeUndefined();
    const [k] = emitKnex(rawSql, emptySchema(), { dialect: MYSQL_DIALECT, lang: 'js' });
    expect(js(k.expr!)).toBe("knex.raw('UPDATE `t` SET `a` = 1')");
    const [s] = emitSequelize(rawSql, emptySchema(), { dialect: MYSQL_SEQUELIZE, lang: 'js', transaction: false, imports: new Set() });
    expect(js(s.expr!)).toBe("queryInterface.sequelize.query('UPDATE `t` SET `a` = 1')");
    expect(s.comments).toEqual(['raw: data statement kept verbatim: data']);
  });

  it("a dialect's entry may be the reason a change stays raw SQL: it replaces the base's", () => {
    const drop = { kind: 'DropFunction', name: { name: 'f' }, signature: '' } as unknown as Change;
    expect(MYSQL_DIALECT.overrides.DropFunction).toBe('knex has no routine calls');
    const [k] = emitKnex(drop, emptySchema(), { dialect: MYSQL_DIALECT, lang: 'js' });
    expect(js(k.expr!)).toBe("knex.raw('DROP FUNCTION `f`')");
    expect(k.comments).toEqual(['raw: knex has no routine calls']);
    const [s] = emitSequelize(drop, emptySchema(), { dialect: MYSQL_SEQUELIZE, lang: 'js', transaction: false, imports: new Set() });
    expect(s.comments).toEqual(['raw: kept as written']);
    // PostgreSQL: the base table's reason
    const [p] = emitKnex(drop, emptySchema(), { dialect: { ...MYSQL_DIALECT, sql: POSTGRESQL, overrides: {}, escapeRaw: (x) => x }, lang: 'js' });
    expect(p.comments).toEqual(['raw: knex has no function calls']);
  });

  it('a kind only PostgreSQL has is refused by the MySQL renderer in both targets, naming the kind', () => {
    const change = { kind: 'CreateSequence', name: { name: 's' } } as unknown as Change;
    expect(() => emitKnex(change, emptySchema(), { dialect: MYSQL_DIALECT, lang: 'js' })).toThrow(/CreateSequence/);
    expect(() => emitSequelize(change, emptySchema(), { dialect: MYSQL_SEQUELIZE, lang: 'js', transaction: false, imports: new Set() })).toThrow(/CreateSequence/);
  });

  it("MySQL's SQL renderer overrides PostgreSQL's where the text differs, never for a kind only PostgreSQL has", () => {
    const keys = Object.keys(MYSQL_SQL_OVERRIDES) as ChangeKind[];
    expect(keys.length).toBeLessThan(41 / 2);
    expect(keys.filter((k) => POSTGRES_ONLY_KINDS.has(k))).toEqual([]);
    expect(MYSQL.postgresOnly).toBe(POSTGRES_ONLY_KINDS);
  });

  it('a kind MySQL does not override renders as the base renderer writes it (statements kept as written)', () => {
    const view = { kind: 'CreateView', name: { name: 'v' }, sql: 'CREATE VIEW `v` AS SELECT 1', materialized: false } as unknown as Change;
    expect(renderMysqlChange(view, emptySchema())).toEqual(['CREATE VIEW `v` AS SELECT 1']);
    expect(renderMysqlChange(rawSql, emptySchema())).toEqual(renderChange(rawSql, emptySchema()));
    // an overridden kind does not: backticks, not PostgreSQL's double quotes
    const drop = { kind: 'DropTable', name: { name: 't' } } as Change;
    expect(renderMysqlChange(drop, emptySchema())).toEqual(['DROP TABLE `t`']);
    expect(renderChange(drop, emptySchema())).toEqual(['DROP TABLE "t"']);
  });

  it('every kind only PostgreSQL has is refused by the MySQL SQL renderer, naming it', () => {
    expect(POSTGRES_ONLY_KINDS.size).toBe(18);
    for (const kind of POSTGRES_ONLY_KINDS) {
      const change = { kind, name: { name: 'x' }, table: { name: 't' } } as unknown as Change;
      expect(() => renderMysqlChange(change, emptySchema())).toThrow(`${kind} has no MySQL form (it comes from PostgreSQL)`);
    }
  });
});
