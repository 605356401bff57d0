/* stub: to be written */
#include "config.h"
typedef int playlist_stub_t;
