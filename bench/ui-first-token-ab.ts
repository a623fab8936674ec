// A/B of the web chat's Enter → first painted token: the UI of a base commit against the working tree's, served by
// the same Parley, in alternating rounds in one Chromium (so machine load hits both alike). Prints medians and ratio.
// Usage: node --import tsx bench/ui-first-token-ab.ts [baseCommit=HEAD~2] [rounds=6]

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { ROOT, ensureWebBuilt, launchBrowser, openPage, sendAndWait, signIn, startStack } from '../test/e2e/harness.js';

const base = process.argv[2] ?? 'HEAD~2';
const rounds = Number(process.argv[3] ?? 6);
const work = `${ROOT}bench/.ui-ab-base`;
const TTFT = 250;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
execFileSync('sh', ['-c', `git -C ${ROOT} archive ${base} web src/domain | tar -x -C ${work}`]);
execFileSync('npx', ['vite', 'build', '--config', `${work}/web/vite.config.ts`, '--logLevel', 'error'], {
  cwd: ROOT,
  stdio: 'inherit',
});
await ensureWebBuilt();

const stacks = { base: await startStack({ distDir: `${work}/web/dist` }), head: await startStack() };
const browser = await launchBrowser();
const samples: Record<'base' | 'head', number[]> = { base: [], head: [] };
try {
  for (const s of Object.values(stacks)) s.mock.setScenario({ ttftMs: TTFT, tokens: 6, tokenDelayMs: 10 });
  for (let round = 0; round < rounds; round++) {
    const order: ('base' | 'head')[] = round % 2 === 0 ? ['base', 'head'] : ['head', 'base'];
    for (const variant of order) {
      const stack = stacks[variant];
      const { context, page } = await openPage(browser, stack.url);
      await signIn(page, stack);
      await sendAndWait(page, 'warm up the connection');
      for (let i = 0; i < 3; i++) {
        await sendAndWait(page, `timing ${i}`);
        samples[variant].push(
          await page.evaluate(() => performance.getEntriesByName('parley:send-to-first-token').at(-1)?.duration ?? -1),
        );
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
  await stacks.base.close();
  await stacks.head.close();
  rmSync(work, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const overhead = { base: median(samples.base) - TTFT, head: median(samples.head) - TTFT };
console.log(
  JSON.stringify(
    {
      base,
      rounds,
      ttftMs: TTFT,
      medianMs: { base: median(samples.base), head: median(samples.head) },
      overheadMs: overhead,
      headOverBaseTotal: median(samples.head) / median(samples.base),
      samples,
    },
    null,
    1,
  ),
);
