#ifndef STUB_http_origin
#define STUB_http_origin
#endif
