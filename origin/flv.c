/* stub: to be written */
#include "config.h"
typedef int flv_stub_t;
