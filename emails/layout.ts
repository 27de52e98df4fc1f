/**
 * The HTML shell every email shares, and the helpers templates build with.
 *
 * Mail clients are not browsers: Outlook for Windows renders with Word, Gmail drops <style> in
 * some views and rewrites classes. So the layout is nested tables with `role="presentation"`,
 * every style is inline, widths are attributes as well as styles, fonts are system stacks, and
 * the button is a table cell with a background colour (it stays a clickable, readable link where
 * padding on <a> is ignored). No images, no scripts, nothing external to load.
 *
 * Everything that came from a person goes through `escapeHtml`; templates never interpolate raw
 * strings into HTML.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and for quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Escaped text with its line breaks kept (a personal message). */
export function escapeMultiline(value: string): string {
  return escapeHtml(value.replace(/\r\n?/g, '\n').trim()).replace(/\n/g, '<br>\n');
}

/** One line of plain text: no line breaks (subjects, names inside a sentence). */
export function toSingleLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/**
 * A name at the start of a sentence. Team names are configured as they read mid-sentence ("the
 * Acme customer experience team"), so only its first letter changes here ("The Acme …"); a name
 * is never lowercased, since "Acme" would not survive that.
 */
export function capitalizeFirst(value: string): string {
  const [first = '', ...rest] = [...value];
  return first.toLocaleUpperCase('en') + rest.join('');
}

/**
 * Joins PUBLIC_URL and a path into the absolute link an email needs. The path is taken relative
 * to PUBLIC_URL even with a leading slash, so a deployment under a base path keeps it.
 */
export function absoluteUrl(publicUrl: string, path: string): string {
  return new URL(path.replace(/^\/+/, ''), publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).toString();
}

/** A link in an email must be absolute http(s); anything else is a bug in the caller. */
export function assertEmailLink(link: string): string {
  const url = new URL(link);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`An email link must be http(s): ${url.protocol}`);
  return url.toString();
}

/** Dates in emails: unambiguous in every locale ("25 December 2026"), in UTC. */
export function formatEmailDate(date: Date | number): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

/** Quotes a block of text for the plain-text part ("> " before each line). */
export function quoteText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const TEXT_COLOR = '#1f2933';
const MUTED_COLOR = '#52606d';
const ACCENT = '#1d4ed8';

/** A paragraph; `html` must already be escaped. */
export function paragraph(html: string, options: { isMuted?: boolean } = {}): string {
  const color = options.isMuted ? MUTED_COLOR : TEXT_COLOR;
  const size = options.isMuted ? '14px' : '16px';
  return `<p style="margin:0 0 16px 0;font-family:${FONT};font-size:${size};line-height:1.5;color:${color};">${html}</p>`;
}

/** A quoted personal message; `html` must already be escaped. */
export function quoteBlock(html: string): string {
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px 0;border-collapse:collapse;">
<tr><td style="border-left:4px solid #cbd2d9;padding:4px 0 4px 16px;font-family:${FONT};font-size:16px;line-height:1.5;color:${TEXT_COLOR};font-style:italic;">${html}</td></tr>
</table>`;
}

/** A button that is a link everywhere, followed by the link as text for clients that hide it. */
export function button(link: string, label: string): string {
  const href = escapeHtml(assertEmailLink(link));
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px 0;border-collapse:separate;">
<tr><td align="center" bgcolor="${ACCENT}" style="border-radius:6px;background-color:${ACCENT};">
<a href="${href}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 24px;font-family:${FONT};font-size:16px;font-weight:bold;line-height:1.25;color:#ffffff;text-decoration:none;border-radius:6px;">${escapeHtml(label)}</a>
</td></tr>
</table>
${paragraph(`If the button does not work, copy this link into your browser:<br><a href="${href}" style="color:${ACCENT};word-break:break-all;">${href}</a>`, { isMuted: true })}`;
}

/**
 * The whole document. `title` and `preheader` are plain text (escaped here); `body` and
 * `footer` are HTML built from the helpers above.
 */
export function renderLayout(parts: { title: string; preheader: string; body: string; footer: string }): string {
  return `<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<meta name="supported-color-schemes" content="light">
<title>${escapeHtml(parts.title)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f5f7fa;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:#f5f7fa;">${escapeHtml(parts.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f5f7fa" style="background-color:#f5f7fa;border-collapse:collapse;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;border-collapse:collapse;">
<tr><td style="padding:0 0 12px 0;font-family:${FONT};font-size:14px;font-weight:bold;letter-spacing:0.04em;color:${MUTED_COLOR};">Groundtruth</td></tr>
<tr><td bgcolor="#ffffff" style="background-color:#ffffff;border:1px solid #e4e7eb;border-radius:8px;padding:32px 28px;">
${parts.body}
</td></tr>
<tr><td style="padding:16px 4px 0 4px;">
${parts.footer}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

/** The heading inside the card; `html` must already be escaped. */
export function heading(html: string): string {
  return `<h1 style="margin:0 0 20px 0;font-family:${FONT};font-size:22px;line-height:1.3;font-weight:bold;color:${TEXT_COLOR};">${html}</h1>`;
}
