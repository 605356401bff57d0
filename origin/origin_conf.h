#ifndef STUB_origin_conf
#define STUB_origin_conf
#endif
