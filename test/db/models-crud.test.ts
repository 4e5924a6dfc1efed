/**
 * CRUD smoke test of generated models on real databases, one relation kind at a time (belongsTo,
 * hasMany, hasOne, self-relations, implicit many-to-many, self many-to-many, composite keys):
 * create, include, update, destroy, with the database's own actions (RESTRICT, CASCADE, SET NULL)
 * deciding. The database is built by the models themselves (createEnumTypes + sync), from
 * fixtures/models/*. Each suite runs for both styles: Model.init classes (the JavaScript output,
 * loaded as written) and sequelize-typescript decorator classes (the TypeScript output compiled by
 * tsc with the decorator options, then loaded on a sequelize-typescript Sequelize).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sequelize } from 'sequelize';
import { openProvider, type DatabaseProvider, type ScratchDatabase } from '../../src/verify/database.js';
import { connect, loadStyle, STYLES } from '../models-support.js';
import { PG_URL } from './helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';

for (const S of STYLES) {
describe(`models CRUD on PostgreSQL (fixtures/models/basic; ${S.label})`, () => {
  let provider: DatabaseProvider;
  let db: ScratchDatabase;
  let seq: Sequelize;
  let m: any;
  beforeAll(async () => {
    provider = await openProvider(PG_URL);
    db = await provider.create('models-crud');
    const lib = await loadStyle('fixtures/models/basic/schema.prisma', S);
    seq = connect(db.url, S.style);
    m = lib.initModels(seq);
    await lib.createEnumTypes(seq);
    await seq.sync();
  });
  afterAll(async () => {
    await seq?.close();
    await provider?.close();
  });

  it('belongsTo / hasMany: create, include both ways, update, RESTRICT on destroy', async () => {
    const u = await m.User.create({ email: 'ann@example.com' });
    expect(u.id).toBeTypeOf('number');
    expect(u.updatedAt).toBeInstanceOf(Date);
    expect(u.role).toBe('USER');
    const p = await m.Post.create({ title: 'hello', authorId: u.id });
    expect(p.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const post = await m.Post.findByPk(p.uuid, { include: ['author', 'editor'] });
    expect(post.author.email).toBe('ann@example.com');
    expect(post.editor).toBeNull();
    const user = await m.User.findByPk(u.id, { include: ['posts', 'edited'] });
    expect(user.posts.map((x: any) => x.title)).toEqual(['hello']);
    const before = user.updatedAt.getTime();
    await new Promise((r) => setTimeout(r, 5));
    await user.update({ name: 'Ann', role: 'admin' });
    const reread = await m.User.findByPk(u.id);
    expect(reread.name).toBe('Ann');
    expect(reread.role).toBe('admin');
    expect(reread.updatedAt.getTime()).toBeGreaterThan(before);
    // Post.author is onDelete: Restrict
    await expect(reread.destroy()).rejects.toThrow(/foreign key/);
    await post.destroy();
    await reread.destroy();
    expect(await m.User.count()).toBe(0);
  });

  it('hasOne: cuid() in JavaScript, the database default, CASCADE on destroy', async () => {
    const u = await m.User.create({ email: 'bo@example.com' });
    const profile = await m.Profile.create({ userId: u.id });
    expect(profile.id).toMatch(/^c[0-9a-z]{24}$/);
    const found = await m.User.findByPk(u.id, { include: ['profile'] });
    expect(found.profile.bio).toBe("it's me");
    const back = await m.Profile.findByPk(profile.id, { include: ['user'] });
    expect(back.user.email).toBe('bo@example.com');
    await u.destroy();
    expect(await m.Profile.count()).toBe(0);
  });

  it('self-relation: manager / reports, SET NULL on destroy', async () => {
    const boss = await m.User.create({ email: 'boss@example.com' });
    const worker = await m.User.create({ email: 'worker@example.com', managerId: boss.id });
    const withReports = await m.User.findByPk(boss.id, { include: ['reports'] });
    expect(withReports.reports.map((x: any) => x.email)).toEqual(['worker@example.com']);
    const withManager = await m.User.findByPk(worker.id, { include: ['manager'] });
    expect(withManager.manager.email).toBe('boss@example.com');
    await boss.destroy();
    expect((await m.User.findByPk(worker.id)).managerId).toBeNull();
    await worker.destroy();
  });

  it("implicit many-to-many: rows in Prisma's _PostToTag (A = Post, B = Tag), include both ways", async () => {
    const u = await m.User.create({ email: 'cy@example.com' });
    const p = await m.Post.create({ title: 't', authorId: u.id });
    const tag = await m.Tag.create({ name: 'orm' });
    await p.addTag(tag);
    const [rows] = await seq.query('SELECT "A", "B" FROM "_PostToTag"');
    expect(rows).toEqual([{ A: p.uuid, B: 'orm' }]);
    expect((await m.Post.findByPk(p.uuid, { include: ['tags'] })).tags.map((x: any) => x.name)).toEqual(['orm']);
    expect((await m.Tag.findByPk('orm', { include: ['posts'] })).posts.map((x: any) => x.title)).toEqual(['t']);
    await p.destroy();
    const [left] = await seq.query('SELECT count(*)::int AS n FROM "_PostToTag"');
    expect(left).toEqual([{ n: 0 }]);
    await tag.destroy();
    await u.destroy();
  });

  it('self many-to-many: followers / following in the same _follows rows', async () => {
    const star = await m.User.create({ email: 'star@example.com' });
    const fan = await m.User.create({ email: 'fan@example.com' });
    await star.addFollower(fan);
    expect((await m.User.findByPk(star.id, { include: ['followers'] })).followers.map((x: any) => x.email)).toEqual(['fan@example.com']);
    expect((await m.User.findByPk(fan.id, { include: ['following'] })).following.map((x: any) => x.email)).toEqual(['star@example.com']);
    // Prisma: A holds the records the field sorting first ("followers") lists
    const [rows] = await seq.query('SELECT "A", "B" FROM "_follows"');
    expect(rows).toEqual([{ A: fan.id, B: star.id }]);
  });

  it('composite primary key: create, find, update, destroy', async () => {
    await m.Pair.create({ a: 1, b: 2 });
    const pair = await m.Pair.findOne({ where: { a: 1, b: 2 } });
    expect(pair.label).toBe('x');
    await pair.update({ label: 'y' });
    expect((await m.Pair.findOne({ where: { a: 1, b: 2 } })).label).toBe('y');
    await pair.destroy();
    expect(await m.Pair.count()).toBe(0);
  });
});

describe(`models CRUD on PostgreSQL across schemas (fixtures/models/multi-schema; ${S.label})`, () => {
  let provider: DatabaseProvider;
  let seq: Sequelize;
  let m: any;
  beforeAll(async () => {
    provider = await openProvider(PG_URL);
    const db = await provider.create('models-crud');
    const lib = await loadStyle('fixtures/models/multi-schema/schema.prisma', S);
    seq = connect(db.url, S.style);
    m = lib.initModels(seq);
    await seq.createSchema('auth', {});
    await lib.createEnumTypes(seq);
    await seq.sync();
  });
  afterAll(async () => {
    await seq?.close();
    await provider?.close();
  });

  it('@@schema: the table and the enum in "auth", a relation from "public", CASCADE', async () => {
    const a = await m.Account.create({});
    expect(a.plan).toBe('FREE');
    await m.Member.create({ accountId: a.id });
    const [[row]] = (await seq.query(`SELECT "plan"::text AS plan, pg_typeof("plan")::text AS type FROM "auth"."accounts"`)) as any;
    expect(row).toEqual({ plan: 'FREE', type: 'auth."Plan"' });
    expect((await m.Account.findByPk(a.id, { include: ['members'] })).members).toHaveLength(1);
    const member = await m.Member.findOne({ include: ['account'] });
    expect(member.account.id).toBe(a.id);
    await a.update({ plan: 'PRO' });
    expect((await m.Account.findByPk(a.id)).plan).toBe('PRO');
    await a.destroy();
    expect(await m.Member.count()).toBe(0);
  });
});

describe(`models CRUD on MariaDB (fixtures/models/mysql; ${S.label})`, () => {
  let provider: DatabaseProvider;
  let seq: Sequelize;
  let m: any;
  beforeAll(async () => {
    provider = await openProvider(MYSQL_URL);
    const db = await provider.create('models-crud');
    const lib = await loadStyle('fixtures/models/mysql/schema.prisma', S);
    seq = connect(db.url, S.style);
    m = lib.initModels(seq);
    await seq.sync();
  });
  afterAll(async () => {
    await seq?.close();
    await provider?.close();
  });

  it('belongsTo / hasMany with CASCADE, inline ENUM default, @updatedAt', async () => {
    const a = await m.Account.create({ handle: 'ann' });
    expect(a.status).toBe('DRAFT');
    const note = await m.Note.create({ body: 'hi', ownerId: a.id });
    expect(note.id).toMatch(/^c[0-9a-z]{24}$/);
    const found = await m.Account.findByPk(a.id, { include: ['notes'] });
    expect(found.notes.map((n: any) => n.body)).toEqual(['hi']);
    expect((await m.Note.findByPk(note.id, { include: ['owner'] })).owner.handle).toBe('ann');
    await found.update({ status: 'live' });
    expect((await m.Account.findByPk(a.id)).status).toBe('live');
    await found.destroy();
    expect(await m.Note.count()).toBe(0);
  });

  it("implicit many-to-many through _AccountToGroup", async () => {
    const a = await m.Account.create({ handle: 'bo' });
    const g = await m.Group.create({ slug: 'admins' });
    await g.addMember(a);
    const [rows] = await seq.query('SELECT `A`, `B` FROM `_AccountToGroup`');
    expect(rows).toEqual([{ A: a.id, B: 'admins' }]);
    expect((await m.Account.findByPk(a.id, { include: ['groups'] })).groups.map((x: any) => x.slug)).toEqual(['admins']);
    expect((await m.Group.findByPk('admins', { include: ['members'] })).members.map((x: any) => x.handle)).toEqual(['bo']);
    await g.destroy();
    const [left] = await seq.query('SELECT count(*) AS n FROM `_AccountToGroup`');
    expect(left).toEqual([{ n: 0 }]);
    await a.destroy();
  });

  it('hasOne: the database default, TIMESTAMP(3) read back, CASCADE on destroy', async () => {
    const a = await m.Account.create({ handle: 'cy' });
    const profile = await m.Profile.create({ accountId: a.id });
    const found = await m.Account.findByPk(a.id, { include: ['profile'] });
    expect(found.profile.bio).toBe("it's me");
    expect(found.profile.seenAt).toBeInstanceOf(Date);
    expect(Math.abs(found.profile.seenAt.getTime() - Date.now())).toBeLessThan(60_000);
    const back = await m.Profile.findByPk(profile.id, { include: ['account'] });
    expect(back.account.handle).toBe('cy');
    await back.update({ bio: 'me' });
    expect((await m.Profile.findByPk(profile.id)).bio).toBe('me');
    await a.destroy();
    expect(await m.Profile.count()).toBe(0);
  });

  it('self-relation: manager / reports, SET NULL on destroy', async () => {
    const boss = await m.Account.create({ handle: 'boss' });
    const worker = await m.Account.create({ handle: 'worker', managerId: boss.id });
    expect((await m.Account.findByPk(boss.id, { include: ['reports'] })).reports.map((x: any) => x.handle)).toEqual(['worker']);
    expect((await m.Account.findByPk(worker.id, { include: ['manager'] })).manager.handle).toBe('boss');
    await boss.destroy();
    expect((await m.Account.findByPk(worker.id)).managerId).toBeNull();
    await worker.destroy();
  });

  it('self many-to-many: followers / following in the same _follows rows', async () => {
    const star = await m.Account.create({ handle: 'star' });
    const fan = await m.Account.create({ handle: 'fan' });
    await star.addFollower(fan);
    expect((await m.Account.findByPk(star.id, { include: ['followers'] })).followers.map((x: any) => x.handle)).toEqual(['fan']);
    expect((await m.Account.findByPk(fan.id, { include: ['following'] })).following.map((x: any) => x.handle)).toEqual(['star']);
    const [rows] = await seq.query('SELECT `A`, `B` FROM `_follows`');
    expect(rows).toEqual([{ A: fan.id, B: star.id }]);
    await star.destroy();
    const [left] = await seq.query('SELECT count(*) AS n FROM `_follows`');
    expect(left).toEqual([{ n: 0 }]);
    await fan.destroy();
  });

  it('composite primary key: create, find, update, destroy', async () => {
    await m.Pair.create({ a: 1, b: 2 });
    const pair = await m.Pair.findOne({ where: { a: 1, b: 2 } });
    expect(pair.label).toBe('x');
    await pair.update({ label: 'y' });
    expect((await m.Pair.findOne({ where: { a: 1, b: 2 } })).label).toBe('y');
    await pair.destroy();
    expect(await m.Pair.count()).toBe(0);
  });
});
}
