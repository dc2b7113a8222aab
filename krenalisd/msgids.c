/* Sets of message ids; see msgids.h. */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xmalloc.h"
#include "msgids.h"

int
msgids_add(struct msgids *set, const char *id)
{
	const char	**old = set->ids;
	size_t		  i, size = set->mask + 1;

	if ((set->n + 1) * 2 > size) {
		set->mask = size * 2 - 1;
		set->ids = xcalloc(size * 2, sizeof(*set->ids));
		set->n = 0;
		for (i = 0; old != NULL && i < size; i++)
			if (old[i] != NULL)
				msgids_add(set, old[i]);
		free(old);
	}
	i = hash_bytes(id, strlen(id)) & set->mask;
	while (set->ids[i] != NULL) {
		if (strcmp(set->ids[i], id) == 0)
			return 1;
		i = (i + 1) & set->mask;
	}
	set->ids[i] = id;
	set->n++;
	return 0;
}

int
msgids_has(const struct msgids *set, const char *id)
{
	size_t	i;

	if (set->n == 0)
		return 0;
	i = hash_bytes(id, strlen(id)) & set->mask;
	while (set->ids[i] != NULL) {
		if (strcmp(set->ids[i], id) == 0)
			return 1;
		i = (i + 1) & set->mask;
	}
	return 0;
}

void
msgids_clear(struct msgids *set)
{
	if (set->n > 0)
		memset(set->ids, 0, (set->mask + 1) * sizeof(*set->ids));
	set->n = 0;
}

void
msgids_release(struct msgids *set)
{
	free(set->ids);
	memset(set, 0, sizeof(*set));
}
