/* stub: to be written */
#include "config.h"
typedef int blob_stub_t;
