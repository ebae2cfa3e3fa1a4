/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KISSCTL_H
#define KISSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KISS_CONFIGFS_ROOT	"/sys/kernel/config/kiss"

/* Limits from Documentation/configfs.md and kernel/kiss.h. */
#define KISS_NAME_MAX		223	/* iSCSI names, RFC 7143 4.2.7.1 */
#define KISS_MAX_LUNS		256
#define KISS_SECRET_MIN		12
#define KISS_SECRET_MAX		255
#define KISS_USERID_MAX		255
#define KISS_ALIAS_MAX		255
#define KISS_PATH_MAX		255
#define KISS_SERIAL_MAX		63
#define KISS_PORTAL_NAME_MAX	64
#define KISS_DEFAULT_PORT	3260

#define KISS_VALUE_MAX		512	/* one attribute value, with room */

struct kissctl_cmd {
	const char *object;	/* "target", "lun", ... or NULL */
	const char *verb;	/* "add", "del", "show", ... */
	const char *args;	/* what follows "kissctl OBJECT VERB" */
	const char *help;	/* a few lines for "--help" */
	int (*run)(int argc, char **argv);
};

/* kissctl.c */
void kissctl_err(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void kissctl_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* What kissctl_err() puts before each message ("restore: target T: "); NULL clears. */
void kissctl_err_ctx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int kissctl_usage(void);
int kissctl_opt(int argc, char **argv, int *i, const char *name,
		const char **val);
int kissctl_unknown_opt(const char *arg);

/* cfs.c: every access to configfs goes through here.  Paths are relative
 * to the root and built printf-style; functions return 0 or -errno.
 */
const char *cfs_root(void);
int cfs_check_loaded(void);
bool cfs_exists(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
bool cfs_is_dir(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int cfs_read(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfs_read_text(char **out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cfs_write(const char *val, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cfs_write_secret(const char *val, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cfs_mkdir(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int cfs_rmdir(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int cfs_link(const char *target_rel, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cfs_unlink(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

struct cfs_list {
	char	**names;
	size_t	n;
};
int cfs_list(struct cfs_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cfs_list_free(struct cfs_list *l);

const char *cfs_strerror(int err);

/* Undo log: what a command changed, so that a failure midway leaves the
 * tree as it was.  Deletions are not logged (they cannot be undone).
 */
void cfs_tx_begin(void);
void cfs_tx_commit(void);
void cfs_tx_rollback(void);

/* validate.c: each check prints one line saying what is wrong and
 * returns -1, or returns 0.
 */
struct kiss_addr {
	char	addr[48];	/* canonical literal, no brackets */
	unsigned int port;
	char	name[64];	/* ADDR:PORT, IPv6 in brackets */
	bool	v6;
};

struct kiss_chap {
	char	user[KISS_USERID_MAX + 1];
	char	secret[KISS_SECRET_MAX + 1];
};

int valid_iscsi_name(const char *name, const char *what);
int valid_target(const char *iqn);
int parse_lun(const char *s, unsigned int *lun);
int parse_addr(const char *s, struct kiss_addr *a, bool quiet);
int valid_portal_name(const char *s);
int parse_chap(const char *s, const char *opt, struct kiss_chap *c);
int valid_chap_pair(const struct kiss_chap *chap,
		    const struct kiss_chap *mutual, bool has_chap,
		    bool has_mutual);
int valid_serial(const char *s);
int parse_wwn(const char *s, char *out, size_t len);
int valid_block_device(const char *dev, char *abs, size_t len, dev_t *rdev);

enum target_key_kind {
	TK_BOOL01,	/* 0 or 1 */
	TK_RANGE,	/* decimal in [min, max] */
	TK_YESNO,	/* Yes or No */
	TK_DIGEST,	/* None | CRC32C | CRC32C,None | None,CRC32C */
	TK_TEXT,	/* printable UTF-8, up to max bytes */
	TK_ALUA_STATE,	/* active/optimized | active/non-optimized | ... */
};

/* The kernel refuses a write while the target is enabled (-EBUSY). */
#define TKF_OFFLINE	0x1

struct target_key {
	const char	*name;
	const char	*file;	/* relative to targets/IQN/ */
	enum target_key_kind kind;
	unsigned long	min, max;
	unsigned int	flags;	/* TKF_* */
};

extern const struct target_key target_keys[];
extern const size_t target_keys_n;
const struct target_key *target_key_find(const char *name);
bool target_key_is_param(const struct target_key *k);
bool target_key_is_alua(const struct target_key *k);
const struct target_key *alua_key_find(const char *attr);
int target_key_check(const struct target_key *k, const char *val,
		     char *norm, size_t len);
void target_keys_list(char *buf, size_t len);

/* portal.c */
int portal_find_by_addr(const struct kiss_addr *a, char *name, size_t len);
int portal_resolve(const char *arg, char *name, size_t len, bool *create,
		   struct kiss_addr *a);
int portal_create(const char *name, const struct kiss_addr *a);
int portal_users(const char *name, char *first, size_t len);
int cmd_portal_add(int argc, char **argv);
int cmd_portal_del(int argc, char **argv);
int cmd_portal_set(int argc, char **argv);
int cmd_portal_get(int argc, char **argv);

/* A portal's connection limits (portal set/get), 1..65535 each. */
#define KISS_PORTAL_MAX_CONNECTIONS	1024
#define KISS_PORTAL_MAX_PER_SOURCE	64
#define KISS_PORTAL_KEYS		2

struct portal_key {
	struct target_key	k;	/* TK_RANGE; file under portals/NAME/ */
	unsigned long		dflt;	/* the kernel's default */
};

extern const struct portal_key portal_keys[KISS_PORTAL_KEYS];
const struct portal_key *portal_key_find(const char *name);
void portal_limits_text(const char *name, char *buf, size_t len);

/* target.c */
int cmd_target_add(int argc, char **argv);
int cmd_target_del(int argc, char **argv);
int cmd_target_set(int argc, char **argv);
int cmd_target_get(int argc, char **argv);
int target_teardown(const char *iqn);

/* lun.c */
int cmd_lun_add(int argc, char **argv);
int cmd_lun_del(int argc, char **argv);
int lun_remove(const char *iqn, const char *id);

/* acl.c: initiator ACLs and CHAP settings (ACL, target, discovery) */
int cmd_acl_add(int argc, char **argv);
int cmd_acl_del(int argc, char **argv);
int cmd_target_auth(int argc, char **argv);
int cmd_discovery_auth(int argc, char **argv);
int cmd_acl_auth(int argc, char **argv);
void acl_forget(const char *iqn, const char *ini);
int auth_clear(const char *dir);

/* show.c */
int cmd_show(int argc, char **argv);
int cmd_session_list(int argc, char **argv);

/* clear.c */
int cmd_clear(int argc, char **argv);

/* store.c: files kissctl writes (config, secrets), atomically, 0600. */
#define KISS_CONFIG_FILE	"/etc/kiss/config.json"
#define KISS_SECRETS_FILE	"/etc/kiss/secrets.json"

struct kiss_auth_rec {
	char	userid[KISS_USERID_MAX + 1];
	char	password[KISS_SECRET_MAX + 1];
	char	userid_mutual[KISS_USERID_MAX + 1];
	char	password_mutual[KISS_SECRET_MAX + 1];
};

int file_write_atomic(const char *path, const char *data, size_t len);
int fputs_atomic(const char *path, char *text);
const char *secrets_path(void);
int secrets_get(const char *dir, struct kiss_auth_rec *r);
void secrets_put(const char *dir, const struct kiss_auth_rec *r);
void secrets_del(const char *prefix);
struct json_t;
void secrets_replace(struct json_t *auth);

/* config.c: the tree as JSON (save, show --json) and back (restore). */
struct json_t *tree_json(bool secrets, bool live, const char *only, int *err);
int json_print(struct json_t *j);
struct json_t *session_json(const char *target, const char *line);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);

#endif /* KISSCTL_H */
