// OpenSSL's libcrypto (Debian: libssl-dev): SHA-256 of the dataset payloads.
#include <openssl/evp.h>
