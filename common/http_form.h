/*
 * http_form: one field of an application/x-www-form-urlencoded body (the
 * dashboard's login and logout forms, the admin API's form posts).
 *
 * The body is peer input: it is walked within [body, body+len) (no NUL
 * needed), the first "name=" pair wins, and the value is percent-decoded
 * ('+' is a space) into the caller's buffer only when every escape is two
 * hex digits, no byte decodes to NUL, and it fits.
 */
#ifndef CDN_HTTP_FORM_H
#define CDN_HTTP_FORM_H

#include <stddef.h>

/*
 * Copy the decoded value of field name into out (NUL-terminated). 0;
 * -ENOENT (no such field, or an empty body); -EINVAL (a bad escape, a NUL,
 * or a value that does not fit in outlen, which includes the NUL).
 */
int http_form_get(const char *body, size_t len, const char *name, char *out, size_t outlen);

#endif
