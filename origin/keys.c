/* stub: to be written */
#include "config.h"
typedef int keys_stub_t;
