// Each generator returns an id of the shape Prisma's client makes, from node:crypto randomness.
'use strict';
const { randomBytes, randomInt, randomUUID } = require('node:crypto');

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
let counter = randomInt(36 ** 4);
const fingerprint = Array.from(randomBytes(4), (b) => BASE36[b % 36]).join('');

const randomBase36 = (length) => Array.from({ length }, () => BASE36[randomInt(36)]).join('');

/** cuid(): `c`, time, counter, a per-process fingerprint and randomness (25 characters). */
const cuid = () => {
  counter = (counter + 1) % 36 ** 4;
  return `c${Date.now().toString(36).padStart(8, '0')}${counter.toString(36).padStart(4, '0')}${fingerprint}${randomBase36(8)}`;
};

/** cuid(2): 24 lower-case base-36 characters starting with a letter. */
const cuid2 = () => `${BASE36[10 + randomInt(26)]}${randomBase36(23)}`;

/** uuid() (version 4). */
const uuidv4 = () => randomUUID();

/** uuid(7): 48 bits of Unix milliseconds, then randomness (RFC 9562). */
const uuidv7 = () => {
  const bytes = randomBytes(16);
  const ms = Date.now();
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) % 256;
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const URL_ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyrict';

/** nanoid(n): n URL-safe characters (21 by default). */
const nanoid = (size = 21) => Array.from(randomBytes(size), (b) => URL_ALPHABET[b & 63]).join('');

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ulid(): 10 characters of time and 16 of randomness, Crockford base 32. */
const ulid = () => {
  let time = '';
  for (let ms = Date.now(), i = 0; i < 10; i++, ms = Math.floor(ms / 32)) time = CROCKFORD[ms % 32] + time;
  return time + Array.from(randomBytes(16), (b) => CROCKFORD[b & 31]).join('');
};

module.exports = { cuid, cuid2, uuidv4, uuidv7, nanoid, ulid };
