/* stub: to be written */
#include "config.h"
typedef int rtmp_chunk_stub_t;
