/* Deciding what is secret, so values never reach a report. */
#ifndef SOS_REDACT_H
#define SOS_REDACT_H

#define SOS_REDACTED "<redacted>"

/* Non-zero when a value stored under KEY is a secret by its name: auth,
 * identitytoken, registrytoken, password, passwd, secret, token, api key,
 * private key (case-insensitive, as a key or a key's suffix). */
int sos_redact_key_is_secret(const char *key);

/* Non-zero when VALUE itself looks like a secret: a PEM private key, or a
 * "Basic"/"Bearer" authorization value. */
int sos_redact_value_is_secret(const char *value);

#endif
