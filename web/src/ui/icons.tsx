// Small inline SVG icons (no icon font, no emoji font needed; decorative, so hidden from screen readers).

const common = {
  width: 16,
  height: 16,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 2,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
  'aria-hidden': 'true',
  focusable: 'false',
} as const;

/** Thumbs up. */
export const ThumbUp = () => (
  <svg {...common}>
    <path d="M7 10v11H3V10zM7 10l4-8a3 3 0 0 1 3 3v4h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H7" />
  </svg>
);

/** Thumbs down. */
export const ThumbDown = () => (
  <svg {...common}>
    <path d="M17 14V3h4v11zM17 14l-4 8a3 3 0 0 1-3-3v-4H4a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.4 3H17" />
  </svg>
);

/** Shield (personal data protected). */
export const Shield = () => (
  <svg {...common}>
    <path d="M12 2l8 3v6c0 5-3.5 9.5-8 11-4.5-1.5-8-6-8-11V5z" />
  </svg>
);

/** Sun (switch to the light theme). */
export const Sun = () => (
  <svg {...common}>
    <circle cx="12" cy="12" r="4" />
    <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
  </svg>
);

/** Moon (switch to the dark theme). */
export const Moon = () => (
  <svg {...common}>
    <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
  </svg>
);

/** Pencil (rename, edit). */
export const Pencil = () => (
  <svg {...common}>
    <path d="M4 20h4L19 9l-4-4L4 16zM14 6l4 4" />
  </svg>
);

/** Trash can (forget a chat). */
export const Trash = () => (
  <svg {...common}>
    <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" />
  </svg>
);

/** Plus (new chat). */
export const Plus = () => (
  <svg {...common}>
    <path d="M12 5v14M5 12h14" />
  </svg>
);

/** Arrow up (send). */
export const ArrowUp = () => (
  <svg {...common}>
    <path d="M12 19V5M6 11l6-6 6 6" />
  </svg>
);

/** Square (stop). */
export const StopSquare = () => (
  <svg {...common} fill="currentColor">
    <rect x="7" y="7" width="10" height="10" rx="1.5" />
  </svg>
);

/** Keyboard (shortcuts help). */
export const KeyboardIcon = () => (
  <svg {...common}>
    <rect x="2" y="6" width="20" height="12" rx="2" />
    <path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10" />
  </svg>
);

/** Copy (two sheets). */
export const CopyIcon = () => (
  <svg {...common}>
    <rect x="9" y="9" width="12" height="12" rx="2" />
    <path d="M5 15V5a2 2 0 0 1 2-2h8" />
  </svg>
);

/** Regenerate (circular arrow). */
export const Refresh = () => (
  <svg {...common}>
    <path d="M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5" />
  </svg>
);

/** Parley's mark, used as the assistant's avatar. */
export const ParleyMark = () => (
  <svg {...common} width={18} height={18}>
    <path d="M5 5h14v10H10l-5 4z" />
  </svg>
);

/** Paperclip (attach an image). */
export const Paperclip = () => (
  <svg {...common}>
    <path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" />
  </svg>
);
