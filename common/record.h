/*
 * What the clients (krctl, krtop) read of a debugger record
 * (spec/pipelines.md §7.1) beyond its plain members.
 */
#ifndef RECORD_H
#define RECORD_H

#include <jansson.h>

/*
 * The event of a record, as a new reference: its "event" member when that
 * is an object, else (a rejected event) the object that its complete raw
 * text parses to (with proto_decode), so that its type, name and user can
 * still be shown.  NULL when neither gives an object.
 */
json_t	*record_event(const json_t *rec);

/*
 * What names the event ev in one word (borrowed, or NULL): the event of a
 * track, the name of a page or screen, the group of a group, the previous
 * id of an alias; of an event of no known type (a rejected one), its
 * event or its name.  And who sent it: its userId, else its anonymousId.
 * Empty strings count as absent.
 */
const char	*record_label(const json_t *ev);
const char	*record_user(const json_t *ev);

#endif
