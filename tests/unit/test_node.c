/*
 * The node: its id made once in node.id and read back, a node.id that is
 * not an id refused, and the rates worked out over the last 5 s of
 * samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "../../krenalisd/node.h"
#include "unit.h"

static char	dir[] = "/tmp/krenalis-node.XXXXXX";

static struct node *
open_node(char *err, size_t len)
{
	return node_open(dir, "127.0.0.1:2022", NULL, "0.1.0", 1000, NULL, 0,
	    err, len);
}

static void
test_id_kept(void)
{
	struct node	*a, *b;
	char		 err[256], path[128], id[16];
	FILE		*fp;

	a = open_node(err, sizeof(err));
	CHECK(a != NULL);
	b = open_node(err, sizeof(err));
	CHECK(b != NULL);
	if (a == NULL || b == NULL)
		return;
	CHECK_INT(strlen(node_id(a)), 12);
	CHECK_STR(node_id(a), node_id(b));
	snprintf(id, sizeof(id), "%s", node_id(a));
	node_close(a);
	node_close(b);

	snprintf(path, sizeof(path), "%s/node.id", dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs("0OIl00000000\n", fp);	/* not base58 */
	fclose(fp);
	CHECK(open_node(err, sizeof(err)) == NULL);
	snprintf(path, sizeof(path), "%s/node.id: not a node id", dir);
	CHECK_STR(err, path);
}

static json_t *
totals(long long received, long long stored)
{
	return json_pack("{s:I,s:I,s:i,s:i}", "received", received, "stored",
	    stored, "rejected", 0, "duplicates", 0);
}

/* Samples a second apart; the rate spans the last 5 s of them. */
static void
test_rates(void)
{
	struct node	*nd;
	json_t		*t, *o;
	char		 err[256];
	int		 s;

	snprintf(err, sizeof(err), "rm -f '%s/node.id'", dir);
	if (system(err) != 0)
		abort();
	nd = open_node(err, sizeof(err));
	CHECK(nd != NULL);
	if (nd == NULL)
		return;
	t = totals(0, 0);
	o = node_json(nd, t, 1000);
	CHECK(json_real_value(json_object_get(o, "receivedPerSecond")) == 0);
	json_decref(o);
	json_decref(t);
	/* 10 events a second received, 5 stored, for 10 s. */
	for (s = 0; s <= 10; s++) {
		t = totals(10 * s, 5 * s);
		node_sample(nd, t, 1000 + s * 1000);
		/* A second sample within the second is not kept. */
		node_sample(nd, t, 1000 + s * 1000 + 500);
		json_decref(t);
	}
	t = totals(110, 55);
	o = node_json(nd, t, 12000);
	CHECK(json_real_value(json_object_get(o, "receivedPerSecond")) == 10);
	CHECK(json_real_value(json_object_get(o, "storedPerSecond")) == 5);
	CHECK_INT(json_integer_value(json_object_get(o, "received")), 110);
	json_decref(o);
	json_decref(t);
	node_close(nd);
}

int
main(void)
{
	char	cmd[128];

	log_init("test_node", 1, 0);
	if (mkdtemp(dir) == NULL)
		return 1;
	UNIT_RUN(test_id_kept);
	UNIT_RUN(test_rates);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return UNIT_END();
}
