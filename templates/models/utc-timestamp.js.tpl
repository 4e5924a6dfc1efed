// PostgreSQL `TIMESTAMP(p)` (without time zone) holding UTC, as Prisma's client writes and reads it.
// Sequelize has no such type: DataTypes.DATE is TIMESTAMPTZ on PostgreSQL, and a type given as text
// ('TIMESTAMP(3)') is written and read by the pg driver in the process's local time zone, so a row
// Prisma wrote would be read hours off on a server whose TZ is not UTC. UtcTimestamp writes the UTC
// wall clock and reads it back as UTC whatever TZ the process runs in; initModels() registers its
// parser on the Sequelize instance (useUtcTimestamps), no global change to pg or Sequelize.
'use strict';
const { DataTypes } = require('sequelize');

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?$/;

// the class behind DataTypes.DATE (a callable proxy that cannot be extended), as Sequelize's guide
// to new data types takes ABSTRACT
const DATE = DataTypes.DATE.prototype.constructor;

class UtcTimestamp extends DATE {
  constructor(precision) {
    super(precision);
    this.key = UtcTimestamp.key;
  }

  toSql() {
    const { length } = this.options;
    return length === undefined || length === '' ? 'TIMESTAMP' : `TIMESTAMP(${length})`;
  }

  /** the UTC wall clock, whatever Sequelize's `timezone` option says */
  _stringify(value) {
    const date = value instanceof Date ? value : typeof value?.toDate === 'function' ? value.toDate() : new Date(value);
    const year = date.getUTCFullYear();
    const pad = (n, width = 2) => String(n).padStart(width, '0');
    const day = `${pad(Math.abs(year < 1 ? 1 - year : year), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
    const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;
    return `${day} ${time}${year < 1 ? ' BC' : ''}`;
  }

  /** PostgreSQL's text of a timestamp, read as UTC ('infinity' as pg reads it) */
  static parse(value) {
    if (value === 'infinity') return Infinity;
    if (value === '-infinity') return -Infinity;
    const m = TIMESTAMP.exec(value);
    if (!m) return new Date(NaN);
    const year = m[8] ? 1 - Number(m[1]) : Number(m[1]);
    const date = new Date(Date.UTC(2000, 0, 1, Number(m[4]), Number(m[5]), Number(m[6]), Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))));
    // setUTCFullYear: Date.UTC would read the years 0-99 as 1900-1999
    date.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
    return date;
  }
}
// not 'DATE': Sequelize would replace the type with its PostgreSQL DATE (TIMESTAMPTZ)
UtcTimestamp.key = 'UTC_TIMESTAMP';
// the PostgreSQL type whose values parse() reads (an own property: DATE's is timestamptz)
UtcTimestamp.types = { postgres: ['timestamp'] };

/** `TIMESTAMP(precision)` holding UTC, for an attribute's `type` */
const utcTimestamp = (precision) => new UtcTimestamp(precision);

/** Reads TIMESTAMP columns as UTC on this instance's connections (PostgreSQL; other dialects: nothing to do). */
const useUtcTimestamps = (sequelize) => {
  if (sequelize.getDialect() !== 'postgres') return;
  sequelize.removeHook('afterConnect', 'ormshift:utc-timestamps');
  // after the first connection Sequelize knows the type's oid; each connection asks again (cheap)
  sequelize.addHook('afterConnect', 'ormshift:utc-timestamps', () => sequelize.connectionManager.refreshTypeParser({ UtcTimestamp }));
};

module.exports = { UtcTimestamp, utcTimestamp, useUtcTimestamps };
