/*
 * conf_cli: the daemons' shared command line; see conf_cli.h.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "conf_cli.h"

int
conf_cli_load(const struct conf_desc *d, size_t n, void *cfg, int argc, char **argv,
    struct conf_cli *cli)
{
	char err[CONF_ERRLEN] = "";
	const char *conf_file = NULL;
	int opt;

	if (conf_defaults(d, n, cfg, err) != 0) {
		fprintf(stderr, "%s: %s\n", cli->prog, err);
		return 1;
	}
	/* First pass: find -c, so the file is read before the -o overrides. */
	optind = 1;
	while ((opt = getopt(argc, argv, "c:o:tvVh")) != -1) {
		switch (opt) {
		case 'c': conf_file = optarg; break;
		case 'o': break;
		case 't': cli->check_only = true; break;
		case 'v': cli->verbose = true; break;
		case 'V': printf("%s %s\n", cli->prog, cli->version); return 0;
		case 'h': cli->usage(stdout); return 0;
		default: cli->usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		cli->usage(stderr);
		return 2;
	}
	if (conf_file && conf_load_file(d, n, cfg, conf_file, err) != 0) {
		fprintf(stderr, "%s: %s\n", cli->prog, err);
		return 1;
	}
	optind = 1;
	while ((opt = getopt(argc, argv, "c:o:tvVh")) != -1) {
		char *eq;
		int rc;

		if (opt != 'o')
			continue;
		if ((eq = strchr(optarg, '=')) == NULL) {
			fprintf(stderr, "%s: -o %s: expected KEY=VALUE\n", cli->prog, optarg);
			return 1;
		}
		*eq = '\0';
		rc = conf_set(d, n, cfg, optarg, eq + 1, "-o", err);
		*eq = '=';
		if (rc != 0) {
			fprintf(stderr, "%s: %s\n", cli->prog, err);
			return 1;
		}
	}
	if (conf_check_required(d, n, cfg, err) != 0) {
		fprintf(stderr, "%s: %s\n", cli->prog, err);
		return 1;
	}
	return -1;
}
