/* Capabilities the container keeps (libcap). They count only inside its own
 * user namespace; dropping the rest is defence in depth. */
#pragma once

int caps_restrict(void);
