/* stub: to be written */
#include "config.h"
typedef int metrics_stub_t;
