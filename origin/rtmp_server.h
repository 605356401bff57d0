#ifndef STUB_rtmp_server
#define STUB_rtmp_server
#endif
