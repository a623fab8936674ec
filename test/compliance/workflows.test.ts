// The public CI and release workflows stay aligned with .ci/run: the README's test command on Node 20 and 24, the
// audit, the SBOM and the image.

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readDoc } from './doc-helpers.js';

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  container?: string;
  steps?: Step[];
  uses?: string;
  needs?: string | string[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const ci = parse(readDoc('.github/workflows/ci.yml')) as Workflow;
const release = parse(readDoc('.github/workflows/release.yml')) as Workflow;
const runs = (job: Job | undefined): string => (job?.steps ?? []).map((s) => s.run ?? '').join('\n');

describe('CI workflow', () => {
  it('runs .ci/run, which runs the README test command', () => {
    const readmeCommand = /## Test it\s+```sh\n([^\n]+)\n```/.exec(readDoc('README.md'))?.[1];
    expect(readmeCommand).toBe('bash scripts/test.sh');
    expect(readDoc('.ci/run')).toContain('scripts/test.sh');
    expect(runs(ci.jobs.test)).toContain('bash .ci/run');
  });

  it('tests on Node 20 and on the current LTS, 24: the test command runs the whole suite on both', () => {
    expect(ci.jobs.test.container).toBe('node:20-bookworm');
    const command = readDoc('scripts/test.sh');
    expect(command).toMatch(/^\s*20\) other=24 ;;$/m);
    expect(command).toContain('npx -y "node@$other"');
    // Both runs are started and both statuses decide the exit.
    expect(command).toMatch(/run_suite "\$other" .*&$/m);
    expect(command).toMatch(/^run_suite "\$here" .*\|\| status_here=\$\?$/m);
    expect(command.trimEnd().split('\n').at(-1)).toBe('[ "$status_here" -eq 0 ] && [ "$status_other" -eq 0 ]');
  });

  it('fails on high or critical advisories in production dependencies, through the exception gate', () => {
    const audit = runs(ci.jobs.audit);
    expect(audit).toContain('npm audit --omit=dev --audit-level=high');
    expect(audit).toContain('scripts/audit-gate.ts npm-audit.json docs/compliance/audit-exceptions.json');
  });

  it('can be called by the release workflow', () => {
    expect(Object.keys(ci.on)).toContain('workflow_call');
  });
});

describe('release workflow', () => {
  it('runs the CI checks first', () => {
    expect(release.jobs.checks.uses).toBe('./.github/workflows/ci.yml');
    expect(release.jobs.sbom.needs).toBe('checks');
    expect(release.jobs.image.needs).toBe('checks');
  });

  it('builds the SBOM with npm run sbom and publishes it', () => {
    expect(runs(release.jobs.sbom)).toContain('npm run sbom');
    expect(JSON.stringify(release.jobs.sbom.steps)).toContain('artefacts/sbom.cdx.json');
    const pkg = JSON.parse(readDoc('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.sbom).toContain('--output-file artefacts/sbom.cdx.json');
  });

  it('builds and pushes the container image', () => {
    const build = release.jobs.image.steps?.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with).toMatchObject({ push: true, sbom: true });
  });
});
