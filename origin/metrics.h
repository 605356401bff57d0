#ifndef STUB_metrics
#define STUB_metrics
#endif
