/**
 * Generated models read and write dates as Prisma's client does whatever the process's time zone:
 * Prisma stores DateTime as UTC (PostgreSQL TIMESTAMP(3) without time zone, MySQL DATETIME(3) and
 * TIMESTAMP(3)). This file runs in America/New_York (vitest gives each file its own process) and
 * checks, for both styles and both servers (PostgreSQL also for a DateTime[] list): a row written by SQL with a UTC wall clock (as Prisma
 * writes it) is read as that instant, an instant created through the model is stored as its UTC
 * wall clock, a database default (CURRENT_TIMESTAMP) reads as now, and a wall clock that does not
 * exist in New York (the spring-forward gap) survives the round trip.
 */
process.env.TZ = 'America/New_York';

import { afterAll, describe, expect, it } from 'vitest';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { connect, loadStyle, STYLES } from '../models-support.js';
import { PG_URL } from './helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const providers: DatabaseProvider[] = [];
afterAll(async () => {
  for (const p of providers) await p.close();
});

const INSTANT = '2026-06-01T12:00:00.123Z';
// 02:30 on 8 March 2026 does not exist in New York (clocks jump from 02:00 to 03:00)
const GAP = '2026-03-08T02:30:00.500Z';
const wallClock = (iso: string) => iso.replace('T', ' ').replace('Z', '');

it('runs in a time zone that is not UTC', () => {
  expect(new Date(INSTANT).getTimezoneOffset()).toBe(240);
  expect(new Date('2026-01-15T12:00:00Z').getTimezoneOffset()).toBe(300);
});

for (const S of STYLES) {
  describe(`dates in America/New_York (${S.label})`, () => {
    it('PostgreSQL TIMESTAMP(3): UTC in, UTC out, CURRENT_TIMESTAMP is now', async () => {
      const provider = await openProvider(PG_URL);
      providers.push(provider);
      const db = await provider.create('models-tz');
      const lib = await loadStyle('fixtures/models/basic/schema.prisma', S);
      const seq = connect(db.url, S.style);
      try {
        const m = lib.initModels(seq);
        await lib.createEnumTypes(seq);
        await seq.sync();
        // a row as Prisma writes it: the UTC wall clock
        await seq.query(`INSERT INTO "users" ("email", "created_at", "updated_at") VALUES ('prisma@example.com', '${wallClock(INSTANT)}', '${wallClock(GAP)}')`);
        const prisma = await m.User.findOne({ where: { email: 'prisma@example.com' } });
        expect(prisma.createdAt.toISOString()).toBe(INSTANT);
        expect(prisma.updatedAt.toISOString()).toBe(GAP);
        // through the model: stored as the UTC wall clock, read back as the same instant
        const u = await m.User.create({ email: 'model@example.com', createdAt: new Date(GAP) });
        const [[row]] = (await seq.query(`SELECT to_char("created_at", 'YYYY-MM-DD HH24:MI:SS.MS') AS c, "updated_at"::text AS u FROM "users" WHERE "id" = ${Number(u.id)}`)) as any;
        expect(row.c).toBe(wallClock(GAP));
        expect(Math.abs(new Date(`${row.u.replace(' ', 'T')}Z`).getTime() - Date.now())).toBeLessThan(60_000);
        expect((await m.User.findByPk(u.id)).createdAt.toISOString()).toBe(GAP);
        // the database's default, in Sequelize's session time zone (UTC)
        const d = await m.User.create({ email: 'default@example.com' });
        const reread = await m.User.findByPk(d.id);
        expect(Math.abs(reread.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
        // TIMESTAMPTZ(6) (Post.at) keeps the instant too
        const p = await m.Post.create({ title: 't', authorId: u.id, at: new Date(GAP) });
        expect((await m.Post.findByPk(p.uuid)).at.toISOString()).toBe(GAP);
        // DateTime[] (TIMESTAMP(3)[]): the elements too, both ways
        await seq.query(`UPDATE "users" SET "visits" = ARRAY['${wallClock(INSTANT)}', '${wallClock(GAP)}']::timestamp(3)[] WHERE "email" = 'prisma@example.com'`);
        expect((await m.User.findOne({ where: { email: 'prisma@example.com' } })).visits.map((d: Date) => d.toISOString())).toEqual([INSTANT, GAP]);
        await u.update({ visits: [new Date(GAP), new Date(INSTANT)] });
        const [[arr]] = (await seq.query(`SELECT array_to_string(ARRAY(SELECT to_char(v, 'YYYY-MM-DD HH24:MI:SS.MS') FROM unnest("visits") AS v), ',') AS v FROM "users" WHERE "id" = ${Number(u.id)}`)) as any;
        expect(arr.v).toBe(`${wallClock(GAP)},${wallClock(INSTANT)}`);
        expect((await m.User.findByPk(u.id)).visits.map((d: Date) => d.toISOString())).toEqual([GAP, INSTANT]);
        // where: compares with the stored UTC wall clock
        expect(await m.User.count({ where: { createdAt: new Date(INSTANT) } })).toBe(1);
      } finally {
        await seq.close();
      }
    });

    it('MariaDB DATETIME(3) and TIMESTAMP(3): UTC in, UTC out', async () => {
      const provider = await openProvider(MYSQL_URL);
      providers.push(provider);
      const db = await provider.create('models-tz');
      const lib = await loadStyle('fixtures/models/mysql/schema.prisma', S);
      const seq = connect(db.url, S.style);
      try {
        const m = lib.initModels(seq);
        await seq.sync();
        await seq.query(`INSERT INTO \`accounts\` (\`handle\`, \`createdAt\`, \`updatedAt\`) VALUES ('prisma', '${wallClock(INSTANT)}', '${wallClock(GAP)}')`);
        const prisma = await m.Account.findOne({ where: { handle: 'prisma' } });
        expect(prisma.createdAt.toISOString()).toBe(INSTANT);
        expect(prisma.updatedAt.toISOString()).toBe(GAP);
        const a = await m.Account.create({ handle: 'model', createdAt: new Date(GAP) });
        const [[row]] = (await seq.query(`SELECT CAST(\`createdAt\` AS CHAR) AS c FROM \`accounts\` WHERE \`id\` = ${Number(a.id)}`)) as any;
        expect(row.c).toBe(wallClock(GAP));
        expect((await m.Account.findByPk(a.id)).createdAt.toISOString()).toBe(GAP);
        // TIMESTAMP(3): the session time zone Sequelize sets (+00:00) makes the stored value UTC
        const p = await m.Profile.create({ accountId: a.id, seenAt: new Date(INSTANT) });
        const [[ts]] = (await seq.query(`SELECT CAST(\`seenAt\` AS CHAR) AS s FROM \`Profile\` WHERE \`id\` = ${Number(p.id)}`)) as any;
        expect(ts.s).toBe(wallClock(INSTANT));
        expect((await m.Profile.findByPk(p.id)).seenAt.toISOString()).toBe(INSTANT);
        const d = await m.Profile.create({ accountId: prisma.id });
        expect(Math.abs((await m.Profile.findByPk(d.id)).seenAt.getTime() - Date.now())).toBeLessThan(60_000);
      } finally {
        await seq.close();
      }
    });
  });
}
