/* The release version of infrac and infrac-engine: one number for both
 * programs (they ship together), printed by --version and written into
 * SARIF's tool.driver.version. */
#ifndef INFRAC_VERSION_H
#define INFRAC_VERSION_H

#define INFRAC_VERSION "0.1.0"

#endif
