// Model output → safe HTML: markdown (raw HTML escaped, images as links) then DOMPurify with a strict allowlist.

import { Marked, type Tokens } from 'marked';
import DOMPurify from 'dompurify';

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** True for absolute http, https and mailto URLs: the only links a model answer may carry. */
export function isSafeUrl(href: string): boolean {
  try {
    return SAFE_SCHEMES.has(new URL(href).protocol);
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function hostOf(href: string): string {
  try {
    return new URL(href).host || href;
  } catch {
    return href;
  }
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    // Raw HTML in a model answer is shown as text, never parsed.
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    // Images are never fetched automatically: a model could leak the conversation through an image URL.
    image({ href, text }: Tokens.Image): string {
      const label = `Image: ${text || 'untitled'}`;
      if (!isSafeUrl(href) || href.startsWith('mailto:'))
        return `<span class="img-blocked">[${escapeHtml(label)} — removed]</span>`;
      return (
        `<a class="img-link" href="${escapeHtml(href)}">${escapeHtml(label)} ` +
        `(${escapeHtml(hostOf(href))}) — open in a new tab</a>`
      );
    },
  },
});

const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'strong',
  'em',
  'del',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'span',
  'input',
];

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (!isSafeUrl(href)) {
        node.removeAttribute('href');
      } else {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
        node.setAttribute('referrerpolicy', 'no-referrer');
      }
    }
    if (node.nodeName === 'INPUT' && node.getAttribute('type') !== 'checkbox') node.remove();
    if (node.hasAttribute('class')) {
      const kept = (node.getAttribute('class') ?? '')
        .split(/\s+/)
        .filter((c) => /^(language-[\w+-]+|img-link|img-blocked|hljs[\w-]*)$/.test(c));
      if (kept.length > 0) node.setAttribute('class', kept.join(' '));
      else node.removeAttribute('class');
    }
  });
}

/** Sanitises HTML with the answer allowlist (no style, no event handlers, no images, no forms, no frames). */
export function sanitize(html: string): string {
  installHooks();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'class', 'type', 'checked', 'disabled', 'start', 'align'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    KEEP_CONTENT: true,
  });
}

/** Markdown of a model answer → sanitised HTML string. */
export function renderMarkdown(source: string): string {
  return sanitize(marked.parse(source) as string);
}
