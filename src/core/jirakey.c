#include "core/jirakey.h"

#include <stddef.h>
#include <string.h>

#include "core/banned.h"

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Tries [A-Z][A-Z0-9]+-[0-9]+ at s[i]. Because '-' is not in [A-Z0-9], the
 * greedy run never needs to backtrack, so a match exists iff the maximal run
 * is followed by "-<digit>". Returns the match end, or 0 and *resume set to
 * where the next attempt can start: any start inside the same run ends at the
 * same place and fails the same way, which keeps the scan linear.
 */
static size_t match_at(const char *s, size_t i, size_t *resume)
{
	size_t j = i + 1;
	while (is_upper(s[j]) || is_digit(s[j]))
		j++;
	if (j == i + 1 || s[j] != '-' || !is_digit(s[j + 1])) {
		*resume = j;
		return 0;
	}
	size_t k = j + 1;
	while (is_digit(s[k]))
		k++;
	*resume = k;
	return k;
}

bool jirakey_extract(const char *message, char out[JIRAKEY_MAX])
{
	out[0] = '\0';
	if (!message)
		return false;
	size_t n = strcspn(message, "\n");
	size_t i = 0;
	while (i < n) {
		if (!is_upper(message[i])) {
			i++;
			continue;
		}
		size_t next = i + 1;
		size_t end = match_at(message, i, &next);
		if (end && end <= n && end - i < JIRAKEY_MAX) {
			memcpy(out, message + i, end - i);
			out[end - i] = '\0';
			return true;
		}
		i = next > i ? next : i + 1;
	}
	return false;
}
