#ifndef STUB_rtmp_session
#define STUB_rtmp_session
#endif
