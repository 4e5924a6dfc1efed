// View-text normalization and diff rendering, without a database: the exact texts PostgreSQL 15
// and 18 print for the same views (captured from both servers) must normalize to one string,
// and texts that mean different things must not.
import { describe, expect, it } from 'vitest';
import { normalizeViewDefinition as norm } from '../../src/verify/snapshot.js';
import { formatDiff } from '../../src/verify/compare.js';

describe('normalizeViewDefinition', () => {
  const same: [pg15: string, pg18: string][] = [
    [
      ' SELECT "User".id,\n    "User".email,\n    "User"."firstName"\n   FROM "User";',
      ' SELECT id,\n    email,\n    "firstName"\n   FROM "User";',
    ],
    [
      ` SELECT u.id,\n    u."firstName"\n   FROM "User" u\n  WHERE (u.active AND (u.email ~~ '%x.y%'::text));`,
      ` SELECT id,\n    "firstName"\n   FROM "User" u\n  WHERE (active AND (email ~~ '%x.y%'::text));`,
    ],
    [
      ' SELECT item.name\n   FROM app.item\n  WHERE (item.id > 2);',
      ' SELECT name\n   FROM app.item\n  WHERE (id > 2);',
    ],
    [
      ' SELECT "Post"."authorId",\n    count(*) AS c\n   FROM "Post"\n  GROUP BY "Post"."authorId"\n HAVING (count(*) > 1)\n  ORDER BY (count(*)) DESC;',
      ' SELECT "authorId",\n    count(*) AS c\n   FROM "Post"\n  GROUP BY "authorId"\n HAVING (count(*) > 1)\n  ORDER BY (count(*)) DESC;',
    ],
    [
      ' SELECT s.x,\n    s.y\n   FROM ( SELECT "User".id AS x,\n            "User".email AS y\n           FROM "User") s\n  WHERE (s.x > 1);',
      ' SELECT x,\n    y\n   FROM ( SELECT "User".id AS x,\n            "User".email AS y\n           FROM "User") s\n  WHERE (x > 1);',
    ],
    [' SELECT g.n\n   FROM generate_series(1, 3) g(n);', ' SELECT n\n   FROM generate_series(1, 3) g(n);'],
    [
      ' SELECT row_to_json(u.*) AS j,\n    u.a1\n   FROM ONLY "User" u(a1, a2);',
      ' SELECT row_to_json(u.*) AS j,\n    a1\n   FROM ONLY "User" u(a1, a2);',
    ],
  ];
  it.each(same)('PG 15 and PG 18 texts normalize to the same string (%#)', (a, b) => {
    expect(norm(a)).toBe(norm(b));
    expect(norm(a)).not.toMatch(/\n|^ | $/);
  });

  it('leaves joins, several FROM items and set operations qualified', () => {
    const join = ' SELECT u.id,\n    p.title\n   FROM ("User" u\n     JOIN "Post" p ON ((p."authorId" = u.id)));';
    expect(norm(join)).toBe('SELECT u.id, p.title FROM ("User" u JOIN "Post" p ON ((p."authorId" = u.id)));');
    const comma = ' SELECT i.name\n   FROM app.item i,\n    "User";';
    expect(norm(comma)).toBe('SELECT i.name FROM app.item i, "User";');
    const union = ' SELECT "User".id\n   FROM "User"\nUNION\n SELECT "Post".id\n   FROM "Post";';
    expect(norm(union)).toBe('SELECT "User".id FROM "User" UNION SELECT "Post".id FROM "Post";');
  });

  it('never touches literals or quoted identifiers', () => {
    const text = ` SELECT "User".id,\n    'a  "User".b   c'::text AS s,\n    "User"."x.y"\n   FROM "User";`;
    expect(norm(text)).toBe(`SELECT id, 'a  "User".b   c'::text AS s, "x.y" FROM "User";`);
    expect(norm(` SELECT E'it''s \\\\'::text AS t\n   FROM "User";`)).toBe(`SELECT E'it''s \\\\'::text AS t FROM "User";`);
  });

  it('keeps real differences', () => {
    expect(norm(' SELECT id\n   FROM "User";')).not.toBe(norm(' SELECT id\n   FROM "Post";'));
    expect(norm(' SELECT u.id\n   FROM "User" u;')).not.toBe(norm(' SELECT u.id\n   FROM "User" u\n  WHERE u.active;'));
    expect(norm(` SELECT 'a b'::text AS x;`)).not.toBe(norm(` SELECT 'a  b'::text AS x;`));
  });
});

describe('formatDiff', () => {
  it('prints path, - expected, + actual, and (absent) for a missing side', () => {
    expect(
      formatDiff([
        { path: 'table "User" column "email" type', expected: 'text', actual: 'character varying(255)' },
        { path: 'index "User_email_key"', expected: 'CREATE UNIQUE INDEX ...' },
        { path: 'table "Extra"', actual: 'table ("id" integer)' },
      ]),
    ).toBe(
      [
        'table "User" column "email" type',
        '  - text',
        '  + character varying(255)',
        'index "User_email_key"',
        '  - CREATE UNIQUE INDEX ...',
        '  + (absent)',
        'table "Extra"',
        '  - (absent)',
        '  + table ("id" integer)',
      ].join('\n'),
    );
    expect(formatDiff([])).toBe('');
  });

  it('cuts long bodies to a window around the first difference', () => {
    const body = (x: string) => `CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n${'SELECT 1 + '.repeat(60)}${x}\n$$`;
    const out = formatDiff([{ path: 'function "f"()', expected: body('1'), actual: body('2') }]);
    const [, e, a] = out.split('\n');
    expect(e.length).toBeLessThan(200);
    expect(e.startsWith('  - …')).toBe(true);
    expect(e.endsWith('+ 1 $$')).toBe(true);
    expect(a.startsWith('  + …')).toBe(true);
    expect(a.endsWith('+ 2 $$')).toBe(true);
  });
});
