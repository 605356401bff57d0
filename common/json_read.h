#ifndef CDN_JSON_READ_H
#define CDN_JSON_READ_H
#endif
