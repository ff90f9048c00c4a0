#ifndef PDT_UPSTREAM_ADF_H
#define PDT_UPSTREAM_ADF_H
/*
 * adf: Jira rich text to plain text. A description or comment body arrives
 * as a string (REST API v2, wiki markup kept as it is) or as an Atlassian
 * Document Format tree (API v3: {"type":"doc","content":[node...]}, each
 * node {"type", "text"?, "attrs"?, "content"?}).
 *
 * Plain text: every block (paragraph, heading, list item, code block, quote
 * line, table row, rule) on its own line(s); list items prefixed "- " (or
 * "N. " in an ordered list, numbered from attrs.order), nested lists
 * indented by two spaces per level; a code block's text kept byte for byte
 * (its own line breaks too); hardBreak a line break; mention, emoji, status,
 * date and inline cards as their text (attrs.text, attrs.shortName,
 * attrs.url). Unknown nodes contribute the text of their content, so new
 * node types degrade to text rather than vanish. Trailing white space and
 * line breaks are dropped; a string comes back as it is (bounded).
 *
 * Bounds: at most max bytes (cut on a character boundary, never mid
 * UTF-8 sequence), at most ADF_MAX_DEPTH levels (deeper content is skipped)
 * and ADF_MAX_NODES nodes visited; invalid UTF-8 in text is cut at the first
 * bad byte of that text. Any JSON value is accepted: what is not a string
 * or a node tree gives "".
 *
 * Ownership: adf_to_text returns a heap string the caller frees (never NULL).
 */
#include <jansson.h>
#include <stddef.h>

#define ADF_MAX_DEPTH 64
#define ADF_MAX_NODES 100000
#define ADF_TEXT_MAX (64u * 1024u) /* what the Jira sync keeps of one text */

char *adf_to_text(const json_t *v, size_t max);

#endif
