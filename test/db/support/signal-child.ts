// Child process for the signal test: opens a PostgreSQL provider, creates two scratch databases,
// prints their names as one JSON line, then waits to be killed.
import { openProvider } from '../../../src/verify/database.js';

const provider = await openProvider(process.argv[2]);
const a = await provider.create('signal child');
const b = await provider.create('signal child');
process.stdout.write(`${JSON.stringify([a.url, b.url])}\n`);
setInterval(() => undefined, 1000);
