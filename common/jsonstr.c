/* Writing JSON strings; see jsonstr.h. */
#include <string.h>

#include "jsonstr.h"

size_t
jsonstr_quote(char *out, const char *s, size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i, o = 0, run = 0;
	unsigned char		c;

	out[o++] = '"';
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		/* Copy the plain run before this character at once. */
		memcpy(out + o, s + run, i - run);
		o += i - run;
		run = i + 1;
		out[o++] = '\\';
		switch (c) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '\b': out[o++] = 'b'; break;
		case '\f': out[o++] = 'f'; break;
		case '\n': out[o++] = 'n'; break;
		case '\r': out[o++] = 'r'; break;
		case '\t': out[o++] = 't'; break;
		default:
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	memcpy(out + o, s + run, n - run);
	o += n - run;
	out[o++] = '"';
	return o;
}
