// Code blocks get a header: the language label and a Copy button (one delegated click handler per answer).

const LABELS: Record<string, string> = {
  ts: 'TypeScript',
  typescript: 'TypeScript',
  js: 'JavaScript',
  javascript: 'JavaScript',
  py: 'Python',
  python: 'Python',
  sh: 'Shell',
  bash: 'Bash',
  json: 'JSON',
  yaml: 'YAML',
  yml: 'YAML',
  sql: 'SQL',
  html: 'HTML',
  xml: 'XML',
  css: 'CSS',
  go: 'Go',
  rust: 'Rust',
  java: 'Java',
};

/** The label of a `language-x` class (known names spelt out, others as written, none = "Code"). */
export function languageLabel(className: string): string {
  const language = /language-([\w+-]+)/.exec(className)?.[1];
  if (!language) return 'Code';
  return LABELS[language.toLowerCase()] ?? language;
}

/** Wraps every `pre` under `root` not yet wrapped in a block with a header (label + Copy button). */
export function decorateCodeBlocks(root: HTMLElement): void {
  for (const pre of root.querySelectorAll('pre')) {
    if (pre.parentElement?.classList.contains('code-block')) continue;
    const code = pre.querySelector('code');
    const label = languageLabel(code?.className ?? '');
    const block = document.createElement('div');
    block.className = 'code-block';
    const header = document.createElement('div');
    header.className = 'code-head';
    const name = document.createElement('span');
    name.textContent = label;
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'code-copy';
    copy.textContent = 'Copy code';
    header.append(name, copy);
    pre.tabIndex = 0;
    pre.replaceWith(block);
    block.append(header, pre);
  }
}

/** Click handler for an answer: copies the code of the block whose Copy button was pressed. */
export async function onCodeCopyClick(event: MouseEvent): Promise<void> {
  const button = (event.target as HTMLElement | null)?.closest<HTMLButtonElement>('.code-copy');
  const code = button?.closest('.code-block')?.querySelector('pre');
  if (!button || !code) return;
  try {
    await navigator.clipboard.writeText(code.textContent ?? '');
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy code'), 2000);
  } catch {
    button.textContent = 'Copy failed';
  }
}
