// `npm run drill -- NAME`: runs one failure drill (three Parley replicas behind nginx on shared Redis and PostgreSQL,
// steady load, one thing broken), prints what happened and its figures, and cleans up. `--list` names the drills.
// Needs what the test command needs: nginx, redis-server, PostgreSQL 15 (see docs/deployment.md, "Drills").

import { DRILLS } from '../test/drills/drills.js';

const [name] = process.argv.slice(2);
if (!name || name === '--list' || name === '--help') {
  console.log('Usage: npm run drill -- NAME\n\nDrills:');
  for (const d of DRILLS) console.log(`  ${d.name.padEnd(24)} ${d.summary}`);
  process.exit(name ? 0 : 2);
}
const drill = DRILLS.find((d) => d.name === name);
if (!drill) {
  console.error(`Unknown drill "${name}". Known: ${DRILLS.map((d) => d.name).join(', ')}`);
  process.exit(2);
}
console.log(`drill ${drill.name}: ${drill.summary}`);
const started = Date.now();
const report = await drill.run((line) => console.log(line));
console.log(`figures (${Math.round((Date.now() - started) / 1000)} s):`);
for (const [key, value] of Object.entries(report.figures))
  console.log(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
let failed = 0;
for (const c of report.checks) {
  if (!c.ok) failed++;
  console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}${c.detail ? ` (${c.detail})` : ''}`);
}
process.exit(failed === 0 ? 0 : 1);
