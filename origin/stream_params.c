/*
 * stream_params: a new stream's parameters; see stream_params.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stream_params.h"

void
stream_params_init(struct stream_params *p, const struct origin_cfg *cfg,
    const struct stream_key *key, const char *peer)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", key->stream);
	snprintf(p->customer, sizeof(p->customer), "%s", key->customer);
	p->customer_id = key->customer_id;
	p->key_id = key->id;
	snprintf(p->peer, sizeof(p->peer), "%s", peer);
	p->format = cfg->segment_format;
	p->target_ms = cfg->segment_target_ms;
	p->window = (unsigned)cfg->playlist_window;
	p->grace_ms = cfg->segment_grace_ms;
	p->republish_grace_ms = cfg->republish_grace_ms;
	p->persist_dir = cfg->persist_dir;
	p->encrypt = key->encrypt;
	p->key_rotation = (unsigned)cfg->encryption_key_rotation;
	p->archive_dir = cfg->archive_dir;
	p->dvr_window_ms = key->dvr_window_ms >= 0 ? key->dvr_window_ms : cfg->dvr_window_ms;
	if (p->dvr_window_ms > cfg->dvr_max_window_ms)
		p->dvr_window_ms = cfg->dvr_max_window_ms;
	p->record = key->record >= 0 ? key->record != 0 : cfg->record != 0;
}
