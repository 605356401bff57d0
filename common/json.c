/* stub: to be written */
#include "config.h"
typedef int json_stub_t;
