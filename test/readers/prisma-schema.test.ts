import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constraintName, readPrismaSchema, readPrismaSchemaText } from '../../src/readers/prisma-schema/index.js';

const ds = (provider = 'postgresql', extra = '') => `datasource db {\n  provider = "${provider}"\n  url = env("DATABASE_URL")\n${extra}}\n`;

describe('schema.prisma reader', () => {
  it("names constraints and indexes by Prisma's rules, following @map/@@map", async () => {
    const r = await readPrismaSchemaText(`${ds()}
model Account {
  id        Int    @id @default(autoincrement())
  email     String @unique
  firstName String @map("first_name")
  lastName  String
  orgId     Int
  org       Org    @relation(fields: [orgId], references: [id])

  @@unique([firstName, lastName])
  @@index([orgId, email])
  @@map("accounts")
}
model Org {
  id       Int       @id(map: "org_pk") @default(autoincrement())
  accounts Account[]
}`);
    const t = r.schema.tables.accounts;
    expect(t.constraints.map((c) => c.name)).toEqual(['accounts_pkey', 'accounts_orgId_fkey']);
    expect(Object.keys(r.schema.indexes).sort()).toEqual(['accounts_email_key', 'accounts_first_name_lastName_key', 'accounts_orgId_email_idx']);
    expect(r.schema.tables.Org.constraints[0]).toEqual({ type: 'primary', name: 'org_pk', columns: ['id'] });
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'email', 'first_name', 'lastName', 'orgId']);
  });

  it('cuts long names to 63 bytes keeping the suffix, as Prisma does', () => {
    const name = constraintName('postgresql', 'billing_meter_backups', ['stripe_customer_id', 'meter_id', 'start_time'], '_idx');
    expect(name).toBe('billing_meter_backups_stripe_customer_id_meter_id_start_tim_idx');
    expect(name).toHaveLength(63);
    expect(constraintName('mysql', 'a'.repeat(70), ['b'], '_key')).toHaveLength(64);
  });

  it('maps scalar and native types, lists, enums with @map and @@map', async () => {
    const r = await readPrismaSchemaText(`${ds()}
enum Role {
  USER
  ADMIN @map("admin")
  @@map("role_type")
}
model T {
  id  String   @id
  s   String
  b   Boolean
  i   Int
  bi  BigInt
  f   Float
  d   Decimal
  dt  DateTime
  j   Json
  by  Bytes
  v   String   @db.VarChar(20)
  tz  DateTime @db.Timestamptz(6)
  u   String   @db.Uuid
  n   Decimal  @db.Decimal(10, 2)
  l   String[]
  r   Role
  rs  Role[]
  ts  Unsupported("tsvector")?
}`);
    const types = Object.fromEntries(r.schema.tables.T.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      s: { name: 'TEXT' },
      b: { name: 'BOOLEAN' },
      i: { name: 'INTEGER' },
      bi: { name: 'BIGINT' },
      f: { name: 'DOUBLE PRECISION' },
      d: { name: 'DECIMAL', args: [65, 30] },
      dt: { name: 'TIMESTAMP', args: [3] },
      j: { name: 'JSONB' },
      by: { name: 'BYTEA' },
      v: { name: 'VARCHAR', args: [20] },
      tz: { name: 'TIMESTAMPTZ', args: [6] },
      u: { name: 'UUID' },
      n: { name: 'DECIMAL', args: [10, 2] },
      l: { name: 'TEXT', array: 1 },
      r: { name: 'role_type', user: true },
      rs: { name: 'role_type', user: true, array: 1 },
      ts: { name: 'TSVECTOR' },
    });
    expect(r.schema.enums.role_type.values).toEqual(['USER', 'admin']);
    const cols = Object.fromEntries(r.schema.tables.T.columns.map((c) => [c.name, c.notNull]));
    // scalar lists are created without NOT NULL; optional fields are nullable
    expect([cols.l, cols.ts, cols.s]).toEqual([false, false, true]);
  });

  it('turns @default into database defaults and leaves client-side ones out', async () => {
    const r = await readPrismaSchemaText(`${ds()}
enum Role {
  USER
  ADMIN @map("admin")
}
model T {
  id   Int      @id @default(autoincrement())
  big  BigInt   @default(autoincrement())
  c    String   @default(cuid())
  u    String   @default(uuid())
  g    String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  x    String   @default(dbgenerated())
  at   DateTime @default(now())
  up   DateTime @updatedAt
  s    String   @default("it's")
  n    Int      @default(42)
  f    Float    @default(1.5)
  ok   Boolean  @default(true)
  r    Role     @default(ADMIN)
  j    Json     @default("{}")
  l    String[] @default([])
  rl   Role[]   @default([USER, ADMIN])
}`);
    const t = r.schema.tables.T;
    const col = (n: string) => t.columns.find((c) => c.name === n)!;
    expect(col('id').type.name).toBe('SERIAL');
    expect(col('big').type.name).toBe('BIGSERIAL');
    for (const n of ['c', 'u', 'up', 'x']) expect(col(n).default, n).toBeUndefined();
    expect(r.unknownDefaults).toEqual(['T/x']);
    expect([col('g'), col('at'), col('s'), col('n'), col('f'), col('ok'), col('r'), col('j'), col('l'), col('rl')].map((c) => c.default)).toEqual([
      'gen_random_uuid()',
      'CURRENT_TIMESTAMP',
      "'it''s'",
      '42',
      '1.5',
      'true',
      "'admin'",
      "'{}'",
      'ARRAY[]::TEXT[]',
      `ARRAY['USER', 'admin']::"Role"[]`,
    ]);
  });

  it("gives relations Prisma's default actions, honours explicit ones and map, and builds implicit many-to-many tables", async () => {
    const r = await readPrismaSchemaText(`${ds()}
model User {
  id     Int     @id
  posts  Post[]
  tags   Tag[]
}
model Post {
  id       Int   @id
  authorId Int
  author   User  @relation(fields: [authorId], references: [id])
  editorId Int?
  editor   Ed?   @relation(fields: [editorId], references: [id])
  ownerId  Int
  owner    Ed    @relation("own", fields: [ownerId], references: [id], onDelete: Cascade, onUpdate: NoAction, map: "owner_fk")
}
model Ed {
  id    Int    @id
  edits Post[]
  owns  Post[] @relation("own")
}
model Tag {
  id    String @id
  users User[]
}`);
    const fks = r.schema.tables.Post.constraints.filter((c) => c.type === 'foreign');
    expect(fks).toEqual([
      { type: 'foreign', name: 'Post_authorId_fkey', columns: ['authorId'], references: { name: 'User' }, referencedColumns: ['id'], onDelete: 'RESTRICT', onUpdate: 'CASCADE' },
      { type: 'foreign', name: 'Post_editorId_fkey', columns: ['editorId'], references: { name: 'Ed' }, referencedColumns: ['id'], onDelete: 'SET NULL', onUpdate: 'CASCADE' },
      { type: 'foreign', name: 'owner_fk', columns: ['ownerId'], references: { name: 'Ed' }, referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
    ]);
    const m2m = r.schema.tables._TagToUser;
    expect(m2m.columns).toEqual([
      { name: 'A', type: { name: 'TEXT' }, notNull: true },
      { name: 'B', type: { name: 'INTEGER' }, notNull: true },
    ]);
    expect(m2m.constraints.map((c) => c.name)).toEqual(['_TagToUser_A_fkey', '_TagToUser_B_fkey']);
    expect(Object.keys(r.schema.indexes).filter((k) => k.startsWith('_')).sort()).toEqual(['_TagToUser_AB_unique', '_TagToUser_B_index']);
  });

  it('has no foreign keys under relationMode = "prisma"', async () => {
    const r = await readPrismaSchemaText(`${ds('postgresql', '  relationMode = "prisma"\n')}
model A {
  id Int @id
  bs B[]
}
model B {
  id  Int @id
  aId Int
  a   A   @relation(fields: [aId], references: [id])
}`);
    expect(r.schema.tables.B.constraints.map((c) => c.type)).toEqual(['primary']);
  });

  it('reads index sort, access method, operator classes, single-field and named forms', async () => {
    const r = await readPrismaSchemaText(`${ds()}
model T {
  id   Int    @id
  a    String
  b    Json
  c    String
  @@index([a(sort: Desc), c])
  @@index([b(ops: JsonbPathOps)], type: Gin)
  @@index([c(ops: raw("gin_trgm_ops"))], type: Gin, map: "c_trgm")
  @@index(a)
  @@unique([a, c], name: "clientSideName")
}`);
    const ix = r.schema.indexes;
    expect(ix.T_a_c_idx.elements).toEqual([{ kind: 'column', name: 'a', order: 'DESC' }, { kind: 'column', name: 'c' }]);
    expect(ix.T_b_idx).toMatchObject({ using: 'gin', elements: [{ kind: 'column', name: 'b', opclass: 'jsonb_path_ops' }] });
    expect(ix.c_trgm).toMatchObject({ using: 'gin', elements: [{ kind: 'column', name: 'c', opclass: 'gin_trgm_ops' }] });
    expect(ix.T_a_idx.elements).toEqual([{ kind: 'column', name: 'a' }]);
    // name: on @@unique is the client's name, not the database's
    expect(ix.T_a_c_key.unique).toBe(true);
  });

  it("uses Prisma's MySQL types", async () => {
    const r = await readPrismaSchemaText(`${ds('mysql')}
enum Kind {
  A
  B
}
model T {
  id Int      @id @default(autoincrement())
  s  String
  d  DateTime @default(now())
  k  Kind
  t  String   @db.Text
}`);
    const c = Object.fromEntries(r.schema.tables.T.columns.map((x) => [x.name, x]));
    expect(r.provider).toBe('mysql');
    expect(c.s.type).toEqual({ name: 'VARCHAR', args: [191] });
    expect(c.d).toMatchObject({ type: { name: 'DATETIME', args: [3] }, default: 'CURRENT_TIMESTAMP(3)' });
    expect(c.k.type).toEqual({ name: 'ENUM', args: ['A', 'B'] });
    expect(c.t.type).toEqual({ name: 'TEXT' });
    expect(c.id).toMatchObject({ type: { name: 'INT' }, identity: 'BY DEFAULT' });
    expect(r.schema.tables.T.constraints[0]).toMatchObject({ type: 'primary', name: 'PRIMARY' });
    expect(r.schema.enums).toEqual({});
  });

  it('reads a schema folder of several .prisma files, relations across files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ormshift-schema-'));
    try {
      writeFileSync(join(dir, 'schema.prisma'), ds());
      writeFileSync(join(dir, 'user.prisma'), 'model User {\n  id Int @id\n  posts Post[]\n}\n');
      writeFileSync(join(dir, 'post.prisma'), '/* posts */\nmodel Post {\n  id Int @id\n  userId Int\n  user User @relation(fields: [userId], references: [id], onDelete: Cascade)\n}\n');
      const r = await readPrismaSchema(dir);
      expect(Object.keys(r.schema.tables).sort()).toEqual(['Post', 'User']);
      expect(r.schema.tables.Post.constraints[1]).toMatchObject({ name: 'Post_userId_fkey', onDelete: 'CASCADE' });
      expect(r.files).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a schema that does not parse with its file and line', async () => {
    await expect(readPrismaSchemaText('model A {\n  id Int @id\n  name String @default(\n}\n', 'bad.prisma')).rejects.toThrow(/^bad\.prisma:\d+: schema does not parse/);
  });
});

describe('every schema.prisma of the corpus', () => {
  const corpus = join(process.cwd(), '..', 'shared', 'corpus');
  const histories = existsSync(corpus) ? readdirSync(corpus, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];

  it('finds the corpus', () => {
    expect(histories.length).toBeGreaterThanOrEqual(6);
  });

  for (const h of histories) {
    it(`${h} reads without error`, async () => {
      const r = await readPrismaSchema(join(corpus, h, 'schema.prisma'));
      expect(Object.keys(r.schema.tables).length).toBeGreaterThan(0);
      // every foreign key points at a table of the schema, every index at a table
      for (const t of Object.values(r.schema.tables)) {
        for (const k of t.constraints) if (k.type === 'foreign') expect(r.schema.tables[k.references.name], `${h}: ${k.name}`).toBeDefined();
        expect(t.columns.length, `${h}: ${t.name.name}`).toBeGreaterThan(0);
      }
      for (const i of Object.values(r.schema.indexes)) {
        expect(r.schema.tables[i.table.name], `${h}: ${i.name}`).toBeDefined();
        expect(i.elements.length, `${h}: ${i.name}`).toBeGreaterThan(0);
      }
    });
  }
});
