#ifndef PDT_CORE_JIRAKEY_H
#define PDT_CORE_JIRAKEY_H
/*
 * Jira key extraction from a commit message: the first match of
 * [A-Z][A-Z0-9]+-[0-9]+ in the first line of the message, with the leftmost,
 * greedy semantics of that regular expression in Go's regexp (so "xPROJ-12"
 * yields "PROJ-12"). A match longer than JIRAKEY_MAX-1 bytes is skipped and
 * the search resumes after its end. Linear time in the length of the line.
 */
#include <stdbool.h>

#define JIRAKEY_MAX 64

/* true and the key in out when found; false and out = "" otherwise. */
bool jirakey_extract(const char *message, char out[JIRAKEY_MAX]);

#endif
