/*
 * conf_cli: the command line every daemon shares (docs/config.md):
 *   -c FILE        read settings from FILE
 *   -o KEY=VALUE   set one setting, applied after the file (repeatable)
 *   -t             check the settings, print the effective config, exit
 *   -v             log at debug level
 *   -V, -h         version, usage
 * The file is read first whatever the order on the command line, so -o
 * always wins. Errors name the file and line or the -o; they go to stderr
 * prefixed with the program's name.
 */
#ifndef CDN_CONF_CLI_H
#define CDN_CONF_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"

struct conf_cli {
	const char *prog;              /* "cdn-edge", for messages */
	const char *version;
	void (*usage)(FILE *f);
	bool check_only, verbose;      /* set by -t, -v */
};

/*
 * Apply defaults, then the file, then every -o to cfg (zeroed by the
 * caller), and check required settings. Returns -1 to go on, or the exit
 * status to end with: 0 after -V or -h, 1 on a config error, 2 on a usage
 * error. cfg may hold values to free (conf_free) whatever it returns.
 */
int conf_cli_load(const struct conf_desc *d, size_t n, void *cfg, int argc, char **argv,
    struct conf_cli *cli);

#endif
