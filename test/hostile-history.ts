// A Prisma-style history whose names and defaults are built to break a code generator: quotes of
// every kind, backticks and `${...}`, backslashes, comment terminators, line and paragraph
// separators, emoji and bidi controls, and names longer than PostgreSQL's 63-byte limit
// (ASCII and multi-byte, so truncation must not split a character). Each payload, if it ever
// reached emitted JavaScript unescaped, would exit the process or create the file `pwned`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

export const SENTINEL = 'pwned';

export const T1 = 'x"); process.exit(1); ("';
export const T2 = '`${process.exit(1)}`';
const C1 = "'); require('fs').writeFileSync('pwned', '1'); ('";
const C2 = 'back\\slash\\n\\u0041';
const C3 = '*/ process.exit(1) /*';
const C4 = 'line\nbreak\u2028sep\u2029';
const C5 = 'émoji 😀 ünïcødé \u202Ertl';
const C6 = '${require("child_process").execSync("touch pwned")}';
/** 77 ASCII bytes: PostgreSQL keeps the first 63 */
export const LONG = 'a_very_long_table_name_that_goes_well_beyond_the_postgresql_limit_of_63_bytes';
/** 80 bytes of two-byte characters: PostgreSQL keeps 31 characters (62 bytes), never half of one */
export const LONG_UTF8 = 'ü'.repeat(40);
const ENUM = 'Mood"); process.exit(1); //';
/** knex's wrapAsIdentifier trims: this name must not reach a builder call */
const PADDED = ' padded name\t';
const VALUES = ["it's", '`${process.exit(1)}`', '\\', '*/', 'x"); process.exit(1); ("', '😀'];

export const HOSTILE_HISTORY: readonly { name: string; sql: string }[] = [
  {
    name: '20240101000000_hostile_init',
    sql: `-- CreateEnum
CREATE TYPE ${ident(ENUM)} AS ENUM (${VALUES.map(lit).join(', ')});

-- CreateTable
CREATE TABLE ${ident(T1)} (
    "id" SERIAL NOT NULL,
    ${ident(C1)} TEXT NOT NULL DEFAULT ${lit("'); process.exit(1); ('")},
    ${ident(C2)} TEXT DEFAULT ${lit('a\\b ${process.exit(1)} `x` \u2028')},
    ${ident(C3)} ${ident(ENUM)} NOT NULL DEFAULT ${lit(VALUES[1])},
    ${ident(C4)} VARCHAR(10) DEFAULT ${lit('*/')},
    ${ident(C5)} INTEGER DEFAULT 42,

    CONSTRAINT ${ident(`${T1}_pkey`)} PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE ${ident(T2)} (
    "id" INTEGER NOT NULL,
    ${ident(`${T1}Id`)} INTEGER NOT NULL,

    CONSTRAINT ${ident(`${T2}_pkey`)} PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX ${ident(`${C5}_key`)} ON ${ident(T1)}(${ident(C5)});

-- AddForeignKey
ALTER TABLE ${ident(T2)} ADD CONSTRAINT ${ident(`${T2}_fkey */`)} FOREIGN KEY (${ident(`${T1}Id`)}) REFERENCES ${ident(T1)}("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Comment
COMMENT ON COLUMN ${ident(T1)}.${ident(C1)} IS ${lit('*/ `${process.exit(1)}` \'); process.exit(1); //')};
`,
  },
  {
    name: '20240102000000_hostile_long',
    sql: `-- CreateTable
CREATE TABLE ${ident(LONG)} (
    ${ident(LONG_UTF8)} TEXT,
    "id" INTEGER NOT NULL,

    CONSTRAINT ${ident(`${LONG.slice(0, 58)}_pkey`)} PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX ${ident(`idx_${LONG_UTF8}_${LONG}`)} ON ${ident(LONG)}(${ident(LONG_UTF8)});

-- AlterTable
ALTER TABLE ${ident(T1)} ADD COLUMN ${ident(C6)} TEXT DEFAULT ${lit('\\\\`${1}`')};

-- AlterTable (a name with surrounding whitespace: knex trims the names it quotes)
ALTER TABLE ${ident(LONG)} ADD COLUMN ${ident(PADDED)} TEXT;

-- AlterEnum
ALTER TYPE ${ident(ENUM)} ADD VALUE ${lit("'); process.exit(1); ('")};
`,
  },
  {
    name: '20240103000000_hostile_rename',
    sql: `-- RenameColumn
ALTER TABLE ${ident(T1)} RENAME COLUMN ${ident(C4)} TO ${ident(`${C4} */ //`)};

-- RenameTable
ALTER TABLE ${ident(T2)} RENAME TO ${ident(`${T2}\\`)};

-- AlterTable
ALTER TABLE ${ident(LONG)} ALTER COLUMN ${ident(LONG_UTF8)} SET DEFAULT ${lit('${x}')};

-- DropIndex
DROP INDEX ${ident(`${C5}_key`)};
`,
  },
];

/** Writes the history as a prisma/migrations folder under `root`; returns its path. */
export const writeHostileHistory = (root: string): string => {
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const m of HOSTILE_HISTORY) {
    mkdirSync(join(dir, m.name));
    writeFileSync(join(dir, m.name, 'migration.sql'), m.sql);
  }
  return dir;
};
