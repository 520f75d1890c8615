// zlib (Debian: zlib1g-dev): gzip decoding of the IDX dataset files.
#include <zlib.h>
