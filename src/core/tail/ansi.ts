// ANSI SGR (colour) escape sequences as GitLab job traces use them: stripped to plain text, or
// kept as styles per character so a view can colour the text.

export interface TextStyle {
  /** 'red', 'brightGreen', ... for the 16 ANSI colours; '#rrggbb' for 256-colour and true colour. */
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
}

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
const bright = (i: number) => `bright${NAMES[i][0].toUpperCase()}${NAMES[i].slice(1)}`;

/** Applies one SGR parameter list (the `1;32` of `ESC[1;32m`) to a style; returns the new style. */
export function applySgr(style: TextStyle, params: string): TextStyle {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  let next: TextStyle = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) delete next.bold;
    else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code >= 30 && code <= 37) next.fg = NAMES[code - 30];
    else if (code >= 90 && code <= 97) next.fg = bright(code - 90);
    else if (code >= 40 && code <= 47) next.bg = NAMES[code - 40];
    else if (code >= 100 && code <= 107) next.bg = bright(code - 100);
    else if (code === 39) delete next.fg;
    else if (code === 49) delete next.bg;
    else if (code === 38 || code === 48) {
      const [colour, used] = extendedColour(codes, i + 1);
      if (colour) next[code === 38 ? 'fg' : 'bg'] = colour;
      i += used;
    }
  }
  return next;
}

/** `5;n` (256 colours) or `2;r;g;b` (true colour) after a 38/48. */
function extendedColour(codes: number[], at: number): [string | undefined, number] {
  if (codes[at] === 5) return [colour256(codes[at + 1] ?? 0), 2];
  if (codes[at] === 2) return [hex(codes[at + 1] ?? 0, codes[at + 2] ?? 0, codes[at + 3] ?? 0), 4];
  return [undefined, 0];
}

function colour256(n: number): string {
  if (n < 8) return NAMES[n];
  if (n < 16) return bright(n - 8);
  if (n < 232) {
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    const c = n - 16;
    return hex(level(Math.floor(c / 36)), level(Math.floor(c / 6) % 6), level(c % 6));
  }
  const grey = 8 + (n - 232) * 10;
  return hex(grey, grey, grey);
}

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v)).toString(16).padStart(2, '0')).join('')}`;
}

export function sameStyle(a: TextStyle, b: TextStyle): boolean {
  return a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.italic === b.italic && a.underline === b.underline;
}

export function isPlain(style: TextStyle): boolean {
  return !style.fg && !style.bg && !style.bold && !style.italic && !style.underline;
}
