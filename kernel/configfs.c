// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: the configfs tree under /sys/kernel/config/kiss/.
 *
 * One value per file; objects are directories and relations symlinks, as
 * in nvmet.  Documentation/configfs.md is the user-visible contract: the
 * ranges checked here are the ones it lists.
 *
 * Every store and every mkdir/rmdir/ln/unlink takes kiss_cfg_mutex, so
 * the login path, which reads the configuration under the same mutex,
 * sees each object either before or after a change, never halfway.
 * Values that only matter at login (params, auth, alias, ACLs,
 * allow_any_initiator) may change at any time and apply to the next
 * login; what a live session or an open device depends on (portal
 * addr/port, LUN path/readonly/serial/wwn, tpgt) is -EBUSY while the
 * object is enabled.
 *
 * Lifetimes: configfs holds one reference on each item.  A target is also
 * kref'd by its sessions (kiss_target_find_get()), so its memory goes with
 * the last kiss_target_put(), possibly after the rmdir.  A portal is
 * pinned by the connections accepted through it (portal.c), which count
 * against its limits until they are freed.  Portals, LUNs and ACLs are
 * freed by their configfs release: the data path reaches a LUN only under
 * RCU and lun->ref, which kiss_lun_disable() drains first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kiss.h"
#include "proto/chap.h"
#include "proto/text.h"

/* RFC 7143 13.12-13.14: 512 to 2^24 - 1 bytes. */
#define KISS_DSL_MIN		512
#define KISS_DSL_MAX		16777215
#define KISS_R2T_MAX		65535
/* configfs.md sets no upper bound for the keepalive: an hour is plenty */
#define KISS_NOPIN_MAX		3600
#define KISS_SERIAL_MAX	(sizeof_field(struct kiss_lun, serial) - 1)
/* Open connections through one portal, and from one address (portal.c) */
#define KISS_PORTAL_MAX_CONNECTIONS	1024
#define KISS_PORTAL_MAX_PER_SOURCE	64
#define KISS_PORTAL_CONN_LIMIT		65535

static const struct config_item_type kiss_root_type;
static const struct config_item_type kiss_portal_type;
static const struct config_item_type kiss_target_auth_type;
static const struct config_item_type kiss_acl_auth_type;

/* ------------------------------------------------------------------ */
/* Parsing helpers: each logs what was wrong, once in a while.         */

/**
 * kiss_cfs_warn() - say why a write, mkdir or ln was refused
 * @item: the object (for mkdir and ln: the directory written into)
 * @attr: the file, or the name being created
 * @fmt: what was wrong and what is allowed
 *
 * The line names the file by its path under /sys/kernel/config/kiss/,
 * e.g. "targets/iqn.x:t1/params/MaxBurstLength: must be 512..16777215":
 * the path is what the user wrote to.  Ratelimited: a script looping
 * over bad values must not flood the log.  The parents of a live item
 * are pinned by it and configfs names never change, so the walk is safe.
 */
static __printf(3, 4) void kiss_cfs_warn(struct config_item *item,
					 const char *attr,
					 const char *fmt, ...)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	struct config_item *chain[8];
	struct va_format vaf;
	unsigned int n = 0;
	size_t len = 0;
	va_list args;
	char *path;

	if (!__ratelimit(&rs))
		return;
	while (item && item->ci_type != &kiss_root_type &&
	       n < ARRAY_SIZE(chain)) {
		chain[n++] = item;
		item = item->ci_parent;
	}
	/* only on this error path: a path is up to ~500 bytes */
	path = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (path) {
		path[0] = '\0';
		while (n--)
			len += scnprintf(path + len, PAGE_SIZE - len, "%s/",
					 config_item_name(chain[n]));
	}
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("%s%s: %pV\n", path ? path : "", attr, &vaf);
	va_end(args);
	kfree(path);
}

/* The value as written, without the newline echo(1) adds. */
static size_t kiss_cfs_len(const char *page, size_t count)
{
	if (count && page[count - 1] == '\n')
		count--;
	return count;
}

static int kiss_cfs_u32(struct config_item *item, const char *attr,
			const char *page, u32 min, u32 max, u32 *val)
{
	u32 v;

	if (kstrtou32(page, 10, &v) || v < min || v > max) {
		kiss_cfs_warn(item, attr, "must be %u..%u", min, max);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

static int kiss_cfs_bool01(struct config_item *item, const char *attr,
			   const char *page, bool *val)
{
	u32 v;
	int ret;

	ret = kiss_cfs_u32(item, attr, page, 0, 1, &v);
	if (!ret)
		*val = v;
	return ret;
}

/*
 * A text value for a char[@size] field: at most @size - 1 bytes of UTF-8
 * without control characters (NUL included).  Returns the length or
 * -EINVAL.
 */
static ssize_t kiss_cfs_text(struct config_item *item, const char *attr,
			     const char *page, size_t count, size_t size)
{
	size_t len = kiss_cfs_len(page, count), i;

	for (i = 0; i < len; i++) {
		u8 c = page[i];

		if (c < 0x20 || c == 0x7f)
			break;
	}
	if (len >= size || i < len || !kiss_text_utf8_valid(page, len)) {
		kiss_cfs_warn(item, attr,
			      "must be at most %zu bytes of UTF-8 without control characters",
			      size - 1);
		return -EINVAL;
	}
	return len;
}

/* Copy @len bytes and a NUL, clearing what an older value left behind. */
static void kiss_cfs_set(char *dst, size_t size, const char *src, size_t len)
{
	memset(dst, 0, size);
	memcpy(dst, src, len);
}

/* ------------------------------------------------------------------ */
/* CHAP credentials: targets/<iqn>/auth, acls/<iqn>/auth, discovery/auth */

static struct kiss_auth *kiss_auth_of(struct config_item *item)
{
	struct config_group *group = to_config_group(item);

	if (item->ci_type == &kiss_target_auth_type)
		return &container_of(group, struct kiss_target,
				     auth_group)->auth;
	if (item->ci_type == &kiss_acl_auth_type)
		return &container_of(group, struct kiss_acl, auth_group)->auth;
	return &kiss_discovery_auth;
}

static ssize_t kiss_auth_show_name(struct config_item *item, char *page,
				   const char *name)
{
	ssize_t ret;

	mutex_lock(&kiss_cfg_mutex);
	ret = sprintf(page, "%s\n", name);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

/* A secret never leaves the kernel: only whether one is set. */
static ssize_t kiss_auth_show_secret(const char *secret, char *page)
{
	return sprintf(page, "%s\n", READ_ONCE(secret[0]) ? "<set>" : "");
}

static ssize_t kiss_auth_store_name(struct config_item *item,
				    const char *page, size_t count, char *dst,
				    size_t size, const char *attr)
{
	size_t len = kiss_cfs_len(page, count);

	if (len && (len >= size || kiss_chap_name_check(page, len))) {
		kiss_cfs_warn(item, attr, "must be 1..%d bytes, or empty for none",
			      KISS_CHAP_NAME_MAX);
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	kiss_cfs_set(dst, size, page, len);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

/*
 * @other is the secret of the opposite direction: RFC 7143 9.2.1 forbids
 * the same secret both ways (a reflection attack would work otherwise);
 * login refuses it too, but this says so at the moment of the mistake.
 */
static ssize_t kiss_auth_store_secret(struct config_item *item,
				      const char *page, size_t count,
				      char *dst, size_t size,
				      const char *other, const char *attr)
{
	size_t len = kiss_cfs_len(page, count);
	ssize_t ret = count;

	if (len && (len >= size || memchr(page, '\0', len) ||
		    kiss_chap_secret_check(page, len))) {
		kiss_cfs_warn(item, attr,
			      "must be %d..%d bytes, or empty for none",
			      KISS_CHAP_SECRET_MIN, KISS_CHAP_SECRET_MAX);
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	if (len && strlen(other) == len && !memcmp(other, page, len)) {
		kiss_cfs_warn(item, attr,
			      "password and password_mutual must differ (RFC 7143 9.2.1)");
		ret = -EINVAL;
	} else {
		kiss_cfs_set(dst, size, page, len);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_auth_userid_show(struct config_item *item, char *page)
{
	return kiss_auth_show_name(item, page, kiss_auth_of(item)->userid);
}

static ssize_t kiss_auth_userid_store(struct config_item *item,
				      const char *page, size_t count)
{
	struct kiss_auth *auth = kiss_auth_of(item);

	return kiss_auth_store_name(item, page, count, auth->userid,
				    sizeof(auth->userid), "userid");
}

static ssize_t kiss_auth_password_show(struct config_item *item, char *page)
{
	return kiss_auth_show_secret(kiss_auth_of(item)->password, page);
}

static ssize_t kiss_auth_password_store(struct config_item *item,
					const char *page, size_t count)
{
	struct kiss_auth *auth = kiss_auth_of(item);

	return kiss_auth_store_secret(item, page, count, auth->password,
				      sizeof(auth->password),
				      auth->password_mutual, "password");
}

static ssize_t kiss_auth_userid_mutual_show(struct config_item *item,
					    char *page)
{
	return kiss_auth_show_name(item, page,
				   kiss_auth_of(item)->userid_mutual);
}

static ssize_t kiss_auth_userid_mutual_store(struct config_item *item,
					     const char *page, size_t count)
{
	struct kiss_auth *auth = kiss_auth_of(item);

	return kiss_auth_store_name(item, page, count, auth->userid_mutual,
				    sizeof(auth->userid_mutual),
				    "userid_mutual");
}

static ssize_t kiss_auth_password_mutual_show(struct config_item *item,
					      char *page)
{
	return kiss_auth_show_secret(kiss_auth_of(item)->password_mutual,
				     page);
}

static ssize_t kiss_auth_password_mutual_store(struct config_item *item,
					       const char *page, size_t count)
{
	struct kiss_auth *auth = kiss_auth_of(item);

	return kiss_auth_store_secret(item, page, count,
				      auth->password_mutual,
				      sizeof(auth->password_mutual),
				      auth->password, "password_mutual");
}

CONFIGFS_ATTR(kiss_auth_, userid);
CONFIGFS_ATTR(kiss_auth_, password);
CONFIGFS_ATTR(kiss_auth_, userid_mutual);
CONFIGFS_ATTR(kiss_auth_, password_mutual);

static struct configfs_attribute *kiss_auth_attrs[] = {
	&kiss_auth_attr_userid,
	&kiss_auth_attr_password,
	&kiss_auth_attr_userid_mutual,
	&kiss_auth_attr_password_mutual,
	NULL,
};

/* Three types with the same files: kiss_auth_of() tells them apart. */
static const struct config_item_type kiss_target_auth_type = {
	.ct_attrs	= kiss_auth_attrs,
	.ct_owner	= THIS_MODULE,
};

static const struct config_item_type kiss_acl_auth_type = {
	.ct_attrs	= kiss_auth_attrs,
	.ct_owner	= THIS_MODULE,
};

static const struct config_item_type kiss_discovery_auth_type = {
	.ct_attrs	= kiss_auth_attrs,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* portals/<name>/                                                     */

static struct kiss_portal *kiss_to_portal(struct config_item *item)
{
	return container_of(to_config_group(item), struct kiss_portal, group);
}

static ssize_t kiss_portal_addr_show(struct config_item *item, char *page)
{
	struct kiss_portal *portal = kiss_to_portal(item);
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&portal->addr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&portal->addr;
	ssize_t ret;

	mutex_lock(&kiss_cfg_mutex);
	if (portal->addr.ss_family == AF_INET6)
		ret = sprintf(page, "%pI6c\n", &sin6->sin6_addr);
	else
		ret = sprintf(page, "%pI4\n", &sin->sin_addr);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static u16 kiss_portal_port(const struct kiss_portal *portal)
{
	if (portal->addr.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&portal->addr)->sin6_port);
	return ntohs(((struct sockaddr_in *)&portal->addr)->sin_port);
}

/* An IPv4 or IPv6 literal, port kept; "[v6]" is accepted too. */
static ssize_t kiss_portal_addr_store(struct config_item *item,
				      const char *page, size_t count)
{
	struct kiss_portal *portal = kiss_to_portal(item);
	size_t len = kiss_cfs_len(page, count);
	struct sockaddr_storage ss = {};
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	const char *s = page, *end;
	ssize_t ret = count;

	if (len > 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len && in4_pton(s, len, (u8 *)&sin->sin_addr, -1, &end) &&
	    end == s + len) {
		sin->sin_family = AF_INET;
	} else if (len && in6_pton(s, len, sin6->sin6_addr.s6_addr, -1,
				   &end) && end == s + len) {
		sin6->sin6_family = AF_INET6;
	} else {
		kiss_cfs_warn(item, "addr",
			      "must be an IPv4 or IPv6 address (0.0.0.0 or :: for any)");
		return -EINVAL;
	}

	mutex_lock(&kiss_cfg_mutex);
	if (portal->enabled) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (ss.ss_family == AF_INET6)
		sin6->sin6_port = htons(kiss_portal_port(portal));
	else
		sin->sin_port = htons(kiss_portal_port(portal));
	portal->addr = ss;
out_unlock:
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_portal_port_show(struct config_item *item, char *page)
{
	struct kiss_portal *portal = kiss_to_portal(item);
	u16 port;

	mutex_lock(&kiss_cfg_mutex);
	port = kiss_portal_port(portal);
	mutex_unlock(&kiss_cfg_mutex);
	return sprintf(page, "%u\n", port);
}

static ssize_t kiss_portal_port_store(struct config_item *item,
				      const char *page, size_t count)
{
	struct kiss_portal *portal = kiss_to_portal(item);
	ssize_t ret = count;
	u32 port;

	if (kiss_cfs_u32(item, "port", page, 1, 65535, &port))
		return -EINVAL;

	mutex_lock(&kiss_cfg_mutex);
	if (portal->enabled)
		ret = -EBUSY;
	else if (portal->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&portal->addr)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&portal->addr)->sin_port = htons(port);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_portal_enable_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_to_portal(item)->enabled));
}

static ssize_t kiss_portal_enable_store(struct config_item *item,
					const char *page, size_t count)
{
	struct kiss_portal *portal = kiss_to_portal(item);
	bool enable;
	int ret = 0;

	if (kiss_cfs_bool01(item, "enable", page, &enable))
		return -EINVAL;

	/* portal.c keeps portal->enabled */
	mutex_lock(&kiss_cfg_mutex);
	if (enable) {
		ret = kiss_portal_enable(portal);
		if (ret)
			kiss_cfs_warn(item, "enable", "cannot listen on %pISpc: %d",
				      &portal->addr, ret);
	} else {
		kiss_portal_disable(portal);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret ? ret : count;
}

/*
 * The connection limits apply to the next accept: lowering one closes
 * nothing that is open.  Either may exceed the other; the lower binds.
 */
static ssize_t kiss_portal_limit_store(struct config_item *item,
				       const char *attr, const char *page,
				       size_t count, u32 *limit)
{
	u32 v;

	if (kiss_cfs_u32(item, attr, page, 1, KISS_PORTAL_CONN_LIMIT, &v))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	WRITE_ONCE(*limit, v);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

static ssize_t kiss_portal_max_connections_show(struct config_item *item,
						char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(kiss_to_portal(item)->max_connections));
}

static ssize_t kiss_portal_max_connections_store(struct config_item *item,
						 const char *page,
						 size_t count)
{
	return kiss_portal_limit_store(item, "max_connections", page, count,
				       &kiss_to_portal(item)->max_connections);
}

static ssize_t kiss_portal_max_per_source_show(struct config_item *item,
					       char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(kiss_to_portal(item)->max_per_source));
}

static ssize_t kiss_portal_max_per_source_store(struct config_item *item,
						const char *page, size_t count)
{
	return kiss_portal_limit_store(item, "max_per_source", page, count,
				       &kiss_to_portal(item)->max_per_source);
}

CONFIGFS_ATTR(kiss_portal_, addr);
CONFIGFS_ATTR(kiss_portal_, port);
CONFIGFS_ATTR(kiss_portal_, enable);
CONFIGFS_ATTR(kiss_portal_, max_connections);
CONFIGFS_ATTR(kiss_portal_, max_per_source);

static struct configfs_attribute *kiss_portal_attrs[] = {
	&kiss_portal_attr_addr,
	&kiss_portal_attr_port,
	&kiss_portal_attr_enable,
	&kiss_portal_attr_max_connections,
	&kiss_portal_attr_max_per_source,
	NULL,
};

/*
 * The last reference: configfs's, or that of the last connection accepted
 * through the portal (kiss_portal_conn_del()), after the rmdir.
 */
static void kiss_portal_release(struct config_item *item)
{
	struct kiss_portal *portal = kiss_to_portal(item);

	WARN_ON_ONCE(!list_empty(&portal->conns));
	mutex_destroy(&portal->conns_lock);
	kfree(portal);
}

static struct configfs_item_operations kiss_portal_item_ops = {
	.release	= kiss_portal_release,
};

static const struct config_item_type kiss_portal_type = {
	.ct_item_ops	= &kiss_portal_item_ops,
	.ct_attrs	= kiss_portal_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *kiss_portal_make(struct config_group *group,
					     const char *name)
{
	struct kiss_portal *portal;
	struct sockaddr_in *sin;

	portal = kzalloc(sizeof(*portal), GFP_KERNEL);
	if (!portal)
		return ERR_PTR(-ENOMEM);
	sin = (struct sockaddr_in *)&portal->addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	sin->sin_port = htons(KISS_DEFAULT_PORT);
	portal->max_connections = KISS_PORTAL_MAX_CONNECTIONS;
	portal->max_per_source = KISS_PORTAL_MAX_PER_SOURCE;
	mutex_init(&portal->conns_lock);
	INIT_LIST_HEAD(&portal->conns);
	config_group_init_type_name(&portal->group, name, &kiss_portal_type);

	mutex_lock(&kiss_cfg_mutex);
	list_add_tail(&portal->entry, &kiss_portals);
	mutex_unlock(&kiss_cfg_mutex);
	return &portal->group;
}

/*
 * configfs itself refuses (-EBUSY) the rmdir of an item that a symlink
 * points to (configfs_detach_prep() checks the dirent's s_links), so a
 * portal that a target links to never gets here.  nr_links may still be
 * non-zero in one race: an ln -s whose allow_link ran before this rmdir
 * and whose link creation then fails; its drop_link follows, while the
 * symlink code still holds a reference on the item.
 */
static void kiss_portal_drop(struct config_group *group,
			     struct config_item *item)
{
	struct kiss_portal *portal = kiss_to_portal(item);

	mutex_lock(&kiss_cfg_mutex);
	kiss_portal_disable(portal);
	list_del(&portal->entry);
	mutex_unlock(&kiss_cfg_mutex);
	config_item_put(item);
}

static struct configfs_group_operations kiss_portals_group_ops = {
	.make_group	= kiss_portal_make,
	.drop_item	= kiss_portal_drop,
};

static const struct config_item_type kiss_portals_type = {
	.ct_group_ops	= &kiss_portals_group_ops,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* targets/<iqn>/params/                                               */

static struct kiss_target *kiss_params_target(struct config_item *item)
{
	return container_of(to_config_group(item), struct kiss_target,
			    params_group);
}

static ssize_t kiss_param_u32_store(struct config_item *item,
				    const char *page, size_t count,
				    const char *attr, size_t offset,
				    u32 min, u32 max)
{
	struct kiss_target *target = kiss_params_target(item);
	u32 v;

	if (kiss_cfs_u32(item, attr, page, min, max, &v))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	WRITE_ONCE(*(u32 *)((u8 *)&target->params + offset), v);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

#define KISS_PARAM_ATTR(_field, _name)					\
static struct configfs_attribute kiss_param_attr_##_field = {		\
	.ca_name	= _name,					\
	.ca_mode	= 0644,						\
	.ca_owner	= THIS_MODULE,					\
	.show		= kiss_param_##_field##_show,			\
	.store		= kiss_param_##_field##_store,			\
}

static ssize_t kiss_param_u32_show(struct config_item *item, char *page,
				   size_t offset)
{
	struct kiss_target *target = kiss_params_target(item);

	return sprintf(page, "%u\n",
		       READ_ONCE(*(u32 *)((u8 *)&target->params + offset)));
}

#define KISS_PARAM_OFF(field)	offsetof(struct kiss_target_params, field)

/* Numeric negotiation defaults with no constraint but their range. */
static ssize_t kiss_param_max_recv_dsl_show(struct config_item *item,
					    char *page)
{
	return kiss_param_u32_show(item, page, KISS_PARAM_OFF(max_recv_dsl));
}

static ssize_t kiss_param_max_recv_dsl_store(struct config_item *item,
					     const char *page, size_t count)
{
	return kiss_param_u32_store(item, page, count,
				    "MaxRecvDataSegmentLength",
				    KISS_PARAM_OFF(max_recv_dsl), KISS_DSL_MIN,
				    KISS_DSL_MAX);
}

KISS_PARAM_ATTR(max_recv_dsl, "MaxRecvDataSegmentLength");

static ssize_t kiss_param_max_outstanding_r2t_show(struct config_item *item,
						   char *page)
{
	return kiss_param_u32_show(item, page,
				   KISS_PARAM_OFF(max_outstanding_r2t));
}

static ssize_t kiss_param_max_outstanding_r2t_store(struct config_item *item,
						    const char *page,
						    size_t count)
{
	return kiss_param_u32_store(item, page, count, "MaxOutstandingR2T",
				    KISS_PARAM_OFF(max_outstanding_r2t), 1,
				    KISS_R2T_MAX);
}

KISS_PARAM_ATTR(max_outstanding_r2t, "MaxOutstandingR2T");

static ssize_t kiss_param_queue_depth_show(struct config_item *item, char *page)
{
	return kiss_param_u32_show(item, page, KISS_PARAM_OFF(queue_depth));
}

static ssize_t kiss_param_queue_depth_store(struct config_item *item,
					    const char *page, size_t count)
{
	return kiss_param_u32_store(item, page, count, "QueueDepth",
				    KISS_PARAM_OFF(queue_depth), 1,
				    KISS_MAX_QUEUE_DEPTH);
}

KISS_PARAM_ATTR(queue_depth, "QueueDepth");

static ssize_t kiss_param_nopin_interval_show(struct config_item *item,
					      char *page)
{
	return kiss_param_u32_show(item, page, KISS_PARAM_OFF(nopin_interval));
}

static ssize_t kiss_param_nopin_interval_store(struct config_item *item,
					       const char *page, size_t count)
{
	return kiss_param_u32_store(item, page, count, "NopInInterval",
				    KISS_PARAM_OFF(nopin_interval), 0,
				    KISS_NOPIN_MAX);
}

KISS_PARAM_ATTR(nopin_interval, "NopInInterval");

static ssize_t kiss_param_nopin_timeout_show(struct config_item *item,
					     char *page)
{
	return kiss_param_u32_show(item, page, KISS_PARAM_OFF(nopin_timeout));
}

static ssize_t kiss_param_nopin_timeout_store(struct config_item *item,
					      const char *page, size_t count)
{
	return kiss_param_u32_store(item, page, count, "NopInTimeout",
				    KISS_PARAM_OFF(nopin_timeout), 1,
				    KISS_NOPIN_MAX);
}

KISS_PARAM_ATTR(nopin_timeout, "NopInTimeout");

/*
 * RFC 7143 13.14: FirstBurstLength must not exceed MaxBurstLength; the
 * negotiator relies on it (kiss_neg_config_valid()), so it is kept true
 * here rather than found out at the first login.
 */
static ssize_t kiss_param_max_burst_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(kiss_params_target(item)->params.max_burst));
}

static ssize_t kiss_param_max_burst_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct kiss_target *target = kiss_params_target(item);
	ssize_t ret = count;
	u32 v;

	if (kiss_cfs_u32(item, "MaxBurstLength", page, KISS_DSL_MIN,
			 KISS_DSL_MAX, &v))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (v < target->params.first_burst) {
		kiss_cfs_warn(item, "MaxBurstLength",
			      "must be at least FirstBurstLength (%u): lower that first",
			      target->params.first_burst);
		ret = -EINVAL;
	} else {
		WRITE_ONCE(target->params.max_burst, v);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_param_first_burst_show(struct config_item *item,
					   char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(kiss_params_target(item)->params.first_burst));
}

static ssize_t kiss_param_first_burst_store(struct config_item *item,
					    const char *page, size_t count)
{
	struct kiss_target *target = kiss_params_target(item);
	ssize_t ret = count;
	u32 v;

	if (kiss_cfs_u32(item, "FirstBurstLength", page, KISS_DSL_MIN,
			 KISS_DSL_MAX, &v))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (v > target->params.max_burst) {
		kiss_cfs_warn(item, "FirstBurstLength",
			      "must be at most MaxBurstLength (%u): raise that first",
			      target->params.max_burst);
		ret = -EINVAL;
	} else {
		WRITE_ONCE(target->params.first_burst, v);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

KISS_PARAM_ATTR(max_burst, "MaxBurstLength");
KISS_PARAM_ATTR(first_burst, "FirstBurstLength");

static ssize_t kiss_param_yesno_store(struct config_item *item,
				      const char *page, size_t count,
				      const char *attr, bool *field)
{
	size_t len = kiss_cfs_len(page, count);
	bool v;

	if (len == 3 && !strncasecmp(page, "Yes", 3)) {
		v = true;
	} else if (len == 2 && !strncasecmp(page, "No", 2)) {
		v = false;
	} else {
		kiss_cfs_warn(item, attr, "must be Yes or No");
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	WRITE_ONCE(*field, v);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

static ssize_t kiss_param_immediate_data_show(struct config_item *item,
					      char *page)
{
	struct kiss_target *target = kiss_params_target(item);

	return sprintf(page, "%s\n",
		       READ_ONCE(target->params.immediate_data) ? "Yes" : "No");
}

static ssize_t kiss_param_immediate_data_store(struct config_item *item,
					       const char *page, size_t count)
{
	return kiss_param_yesno_store(item, page, count, "ImmediateData",
			&kiss_params_target(item)->params.immediate_data);
}

static ssize_t kiss_param_initial_r2t_show(struct config_item *item,
					   char *page)
{
	struct kiss_target *target = kiss_params_target(item);

	return sprintf(page, "%s\n",
		       READ_ONCE(target->params.initial_r2t) ? "Yes" : "No");
}

static ssize_t kiss_param_initial_r2t_store(struct config_item *item,
					    const char *page, size_t count)
{
	return kiss_param_yesno_store(item, page, count, "InitialR2T",
			&kiss_params_target(item)->params.initial_r2t);
}

KISS_PARAM_ATTR(immediate_data, "ImmediateData");
KISS_PARAM_ATTR(initial_r2t, "InitialR2T");

/*
 * HeaderDigest and DataDigest hold the set of values the target accepts.
 * It is a set, not a preference: the responder picks the first value of
 * the initiator's list that it allows (RFC 7143 6.2.1), so "CRC32C,None"
 * and "None,CRC32C" are the same and read back as the latter.
 */
static const char *const kiss_digest_values[] = {
	"None", "CRC32C", "CRC32C,None", "None,CRC32C",
};

static const u8 kiss_digest_sets[] = {
	KISS_DIGEST_BIT(KISS_DIGEST_NONE),
	KISS_DIGEST_BIT(KISS_DIGEST_CRC32C),
	KISS_DIGESTS_ALL,
	KISS_DIGESTS_ALL,
};

static ssize_t kiss_param_digest_show(u8 set, char *page)
{
	const char *v = kiss_digest_values[3];

	if (set == kiss_digest_sets[0])
		v = kiss_digest_values[0];
	else if (set == kiss_digest_sets[1])
		v = kiss_digest_values[1];
	return sprintf(page, "%s\n", v);
}

static ssize_t kiss_param_digest_store(struct config_item *item,
				       const char *page, size_t count,
				       const char *attr, u8 *field)
{
	size_t len = kiss_cfs_len(page, count);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kiss_digest_values); i++)
		if (strlen(kiss_digest_values[i]) == len &&
		    !strncasecmp(page, kiss_digest_values[i], len))
			break;
	if (i == ARRAY_SIZE(kiss_digest_values)) {
		kiss_cfs_warn(item, attr,
			      "must be None, CRC32C, CRC32C,None or None,CRC32C");
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	WRITE_ONCE(*field, kiss_digest_sets[i]);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

static ssize_t kiss_param_header_digests_show(struct config_item *item,
					      char *page)
{
	struct kiss_target *target = kiss_params_target(item);

	return kiss_param_digest_show(READ_ONCE(target->params.header_digests),
				      page);
}

static ssize_t kiss_param_header_digests_store(struct config_item *item,
					       const char *page, size_t count)
{
	return kiss_param_digest_store(item, page, count, "HeaderDigest",
			&kiss_params_target(item)->params.header_digests);
}

static ssize_t kiss_param_data_digests_show(struct config_item *item,
					    char *page)
{
	struct kiss_target *target = kiss_params_target(item);

	return kiss_param_digest_show(READ_ONCE(target->params.data_digests),
				      page);
}

static ssize_t kiss_param_data_digests_store(struct config_item *item,
					     const char *page, size_t count)
{
	return kiss_param_digest_store(item, page, count, "DataDigest",
			&kiss_params_target(item)->params.data_digests);
}

KISS_PARAM_ATTR(header_digests, "HeaderDigest");
KISS_PARAM_ATTR(data_digests, "DataDigest");

static struct configfs_attribute *kiss_params_attrs[] = {
	&kiss_param_attr_max_recv_dsl,
	&kiss_param_attr_max_burst,
	&kiss_param_attr_first_burst,
	&kiss_param_attr_max_outstanding_r2t,
	&kiss_param_attr_immediate_data,
	&kiss_param_attr_initial_r2t,
	&kiss_param_attr_header_digests,
	&kiss_param_attr_data_digests,
	&kiss_param_attr_queue_depth,
	&kiss_param_attr_nopin_interval,
	&kiss_param_attr_nopin_timeout,
	NULL,
};

static const struct config_item_type kiss_params_type = {
	.ct_attrs	= kiss_params_attrs,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* targets/<iqn>/alua/                                                 */

static struct kiss_target *kiss_alua_target(struct config_item *item)
{
	return container_of(to_config_group(item), struct kiss_target,
			    alua_group);
}

/*
 * A port identifier (tpgt, alua/group_id, alua/rel_port_id), 1..65535:
 * what initiators match paths by, so fixed while @target is enabled.
 */
static ssize_t kiss_tgt_id_store(struct config_item *item,
				 struct kiss_target *target, const char *attr,
				 const char *page, size_t count, u16 *field)
{
	ssize_t ret = count;
	u32 v;

	if (kiss_cfs_u32(item, attr, page, 1, 65535, &v))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (target->enabled) {
		kiss_cfs_warn(item, attr, "cannot change while the target is enabled");
		ret = -EBUSY;
	} else {
		WRITE_ONCE(*field, v);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_alua_group_id_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(kiss_alua_target(item)->alua.group_id));
}

static ssize_t kiss_alua_group_id_store(struct config_item *item,
					const char *page, size_t count)
{
	struct kiss_target *target = kiss_alua_target(item);

	return kiss_tgt_id_store(item, target, "group_id", page, count,
				 &target->alua.group_id);
}

static ssize_t kiss_alua_rel_port_id_show(struct config_item *item,
					  char *page)
{
	return sprintf(page, "%u\n",
		       READ_ONCE(kiss_alua_target(item)->alua.rel_port_id));
}

static ssize_t kiss_alua_rel_port_id_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct kiss_target *target = kiss_alua_target(item);

	return kiss_tgt_id_store(item, target, "rel_port_id", page, count,
				 &target->alua.rel_port_id);
}

static ssize_t kiss_alua_state_show(struct config_item *item, char *page)
{
	u8 state = READ_ONCE(kiss_alua_target(item)->alua.state);

	return sprintf(page, "%s\n", kiss_alua_state_name(state));
}

/* Any time: the cluster manager moves the state with the device. */
static ssize_t kiss_alua_state_store(struct config_item *item,
				     const char *page, size_t count)
{
	u8 state;

	if (kiss_alua_state_parse(page, &state)) {
		kiss_cfs_warn(item, "state",
			      "must be active/optimized, active/non-optimized, standby, unavailable or transitioning");
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	kiss_alua_set_state(kiss_alua_target(item), state);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

static ssize_t kiss_alua_preferred_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n",
		       READ_ONCE(kiss_alua_target(item)->alua.preferred));
}

static ssize_t kiss_alua_preferred_store(struct config_item *item,
					 const char *page, size_t count)
{
	bool pref;

	if (kiss_cfs_bool01(item, "preferred", page, &pref))
		return -EINVAL;
	WRITE_ONCE(kiss_alua_target(item)->alua.preferred, pref);
	return count;
}

CONFIGFS_ATTR(kiss_alua_, group_id);
CONFIGFS_ATTR(kiss_alua_, rel_port_id);
CONFIGFS_ATTR(kiss_alua_, state);
CONFIGFS_ATTR(kiss_alua_, preferred);

static struct configfs_attribute *kiss_alua_attrs[] = {
	&kiss_alua_attr_group_id,
	&kiss_alua_attr_rel_port_id,
	&kiss_alua_attr_state,
	&kiss_alua_attr_preferred,
	NULL,
};

static const struct config_item_type kiss_alua_type = {
	.ct_attrs	= kiss_alua_attrs,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* targets/<iqn>/luns/<id>/                                            */

static struct kiss_lun *kiss_to_lun(struct config_item *item)
{
	return container_of(to_config_group(item), struct kiss_lun, group);
}

static ssize_t kiss_lun_path_show(struct config_item *item, char *page)
{
	ssize_t ret;

	mutex_lock(&kiss_cfg_mutex);
	ret = sprintf(page, "%s\n", kiss_to_lun(item)->path);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_lun_path_store(struct config_item *item,
				   const char *page, size_t count)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	ssize_t len, ret = count;

	len = kiss_cfs_text(item, "path", page, count, sizeof(lun->path));
	if (len < 0)
		return len;
	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled)
		ret = -EBUSY;
	else
		kiss_cfs_set(lun->path, sizeof(lun->path), page, len);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_lun_readonly_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_to_lun(item)->readonly));
}

/* A LUN flag that can change only while the LUN is disabled. */
static ssize_t kiss_lun_flag_store(struct config_item *item, const char *attr,
				   const char *page, size_t count, bool *flag)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	ssize_t ret = count;
	bool v;

	if (kiss_cfs_bool01(item, attr, page, &v))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled && v != *flag) {
		kiss_cfs_warn(item, attr, "cannot change while the LUN is enabled");
		ret = -EBUSY;
	} else {
		WRITE_ONCE(*flag, v);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

/* The device is opened read-write or read-only: decided at enable. */
static ssize_t kiss_lun_readonly_store(struct config_item *item,
				       const char *page, size_t count)
{
	return kiss_lun_flag_store(item, "readonly", page, count,
				   &kiss_to_lun(item)->readonly);
}

static ssize_t kiss_lun_shared_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_to_lun(item)->shared));
}

/*
 * A LUN that other nodes export too (a replicated device): reservations
 * are refused rather than kept per node.  Fixed while enabled, since
 * initiators read REPORT SUPPORTED OPERATION CODES once.
 */
static ssize_t kiss_lun_shared_store(struct config_item *item,
				     const char *page, size_t count)
{
	return kiss_lun_flag_store(item, "shared", page, count,
				   &kiss_to_lun(item)->shared);
}

/*
 * serial and wwn read back empty until set or until the LUN is first
 * enabled, when kiss_lun_enable() derives them (an empty write asks for
 * the derived value again).  Initiators cache both, hence -EBUSY while
 * the LUN is enabled.
 */
static ssize_t kiss_lun_serial_show(struct config_item *item, char *page)
{
	ssize_t ret;

	mutex_lock(&kiss_cfg_mutex);
	ret = sprintf(page, "%s\n", kiss_to_lun(item)->serial);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

/* SPC-4 7.8.15: ASCII; printable and without spaces, to survive tools. */
static ssize_t kiss_lun_serial_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	size_t len = kiss_cfs_len(page, count), i;
	ssize_t ret = count;

	for (i = 0; i < len; i++)
		if ((u8)page[i] <= 0x20 || (u8)page[i] >= 0x7f)
			break;
	if (i < len || len > KISS_SERIAL_MAX) {
		kiss_cfs_warn(item, "serial",
			      "must be 1..%zu printable ASCII characters without spaces, or empty for the default",
			      KISS_SERIAL_MAX);
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled)
		ret = -EBUSY;
	else
		kiss_cfs_set(lun->serial, sizeof(lun->serial), page, len);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_lun_wwn_show(struct config_item *item, char *page)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	ssize_t ret;

	mutex_lock(&kiss_cfg_mutex);
	ret = sprintf(page, "%*phN\n", (int)lun->naa_len, lun->naa);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

/*
 * An NAA designator (SPC-4 7.8.6.6) in hex: 16 digits whose first, the
 * NAA field, is 2 (IEEE extended), 3 (locally assigned) or 5 (IEEE
 * registered), or 32 digits starting with 6 (IEEE registered extended).
 * "naa." or "0x" in front is allowed, as kissctl does.
 */
static ssize_t kiss_lun_wwn_store(struct config_item *item,
				  const char *page, size_t count)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	size_t len = kiss_cfs_len(page, count);
	u8 naa[sizeof(lun->naa)];
	const char *s = page;
	ssize_t ret = count;

	if (len >= 4 && !strncasecmp(s, "naa.", 4)) {
		s += 4;
		len -= 4;
	} else if (len >= 2 && !strncasecmp(s, "0x", 2)) {
		s += 2;
		len -= 2;
	}
	if (len && ((len != 16 && len != 32) || hex2bin(naa, s, len / 2) ||
		    (len == 16 && naa[0] >> 4 != 2 && naa[0] >> 4 != 3 &&
		     naa[0] >> 4 != 5) ||
		    (len == 32 && naa[0] >> 4 != 6))) {
		kiss_cfs_warn(item, "wwn",
			      "must be 16 hex digits starting with 2, 3 or 5, or 32 starting with 6, or empty for the default");
		return -EINVAL;
	}
	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled) {
		ret = -EBUSY;
	} else {
		memset(lun->naa, 0, sizeof(lun->naa));
		memcpy(lun->naa, naa, len / 2);
		lun->naa_len = len / 2;
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_lun_enable_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_to_lun(item)->enabled));
}

static ssize_t kiss_lun_enable_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	bool enable;
	int ret = 0;

	if (kiss_cfs_bool01(item, "enable", page, &enable))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (enable && !lun->enabled) {
		if (!lun->path[0]) {
			kiss_cfs_warn(item, "enable",
				      "write the block device to path first");
			ret = -EINVAL;
		} else {
			ret = kiss_lun_enable(lun);
		}
	} else if (!enable && lun->enabled) {
		kiss_lun_disable(lun);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret ? ret : count;
}

static ssize_t kiss_lun_size_show(struct config_item *item, char *page)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	u64 size = 0;

	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled)
		size = lun->nr_blocks << lun->block_shift;
	mutex_unlock(&kiss_cfg_mutex);
	return sprintf(page, "%llu\n", size);
}

static ssize_t kiss_lun_block_size_show(struct config_item *item, char *page)
{
	struct kiss_lun *lun = kiss_to_lun(item);
	u32 bs = 0;

	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled)
		bs = 1U << lun->block_shift;
	mutex_unlock(&kiss_cfg_mutex);
	return sprintf(page, "%u\n", bs);
}

static struct kiss_lun_stats kiss_lun_stats_sum(struct kiss_lun *lun)
{
	struct kiss_lun_stats sum = {}, *st;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		st = per_cpu_ptr(lun->stats, cpu);
		sum.cmds += READ_ONCE(st->cmds);
		sum.read_bytes += READ_ONCE(st->read_bytes);
		sum.write_bytes += READ_ONCE(st->write_bytes);
		sum.errors += READ_ONCE(st->errors);
		for (i = 0; i < KISS_LAT_BUCKETS; i++)
			sum.latency[i] += READ_ONCE(st->latency[i]);
	}
	return sum;
}

#define KISS_LUN_STAT(_name)						\
static ssize_t kiss_lun_stat_##_name##_show(struct config_item *item,	\
					    char *page)			\
{									\
	return sprintf(page, "%llu\n",					\
		       kiss_lun_stats_sum(kiss_to_lun(item))._name);	\
}									\
CONFIGFS_ATTR_RO(kiss_lun_, stat_##_name)

KISS_LUN_STAT(cmds);
KISS_LUN_STAT(read_bytes);
KISS_LUN_STAT(write_bytes);
KISS_LUN_STAT(errors);

/* Commands answered within 64 us, 256 us, 1 ms, ... 1 s, and slower. */
static ssize_t kiss_lun_stat_latency_show(struct config_item *item,
					  char *page)
{
	struct kiss_lun_stats sum = kiss_lun_stats_sum(kiss_to_lun(item));
	ssize_t len = 0;
	int i;

	for (i = 0; i < KISS_LAT_BUCKETS; i++)
		len += sprintf(page + len, "%llu%c", sum.latency[i],
			       i == KISS_LAT_BUCKETS - 1 ? '\n' : ' ');
	return len;
}
CONFIGFS_ATTR_RO(kiss_lun_, stat_latency);

CONFIGFS_ATTR(kiss_lun_, path);
CONFIGFS_ATTR(kiss_lun_, readonly);
CONFIGFS_ATTR(kiss_lun_, shared);
CONFIGFS_ATTR(kiss_lun_, serial);
CONFIGFS_ATTR(kiss_lun_, wwn);
CONFIGFS_ATTR(kiss_lun_, enable);
CONFIGFS_ATTR_RO(kiss_lun_, size);
CONFIGFS_ATTR_RO(kiss_lun_, block_size);

static struct configfs_attribute *kiss_lun_attrs[] = {
	&kiss_lun_attr_path,
	&kiss_lun_attr_readonly,
	&kiss_lun_attr_shared,
	&kiss_lun_attr_serial,
	&kiss_lun_attr_wwn,
	&kiss_lun_attr_enable,
	&kiss_lun_attr_size,
	&kiss_lun_attr_block_size,
	&kiss_lun_attr_stat_cmds,
	&kiss_lun_attr_stat_read_bytes,
	&kiss_lun_attr_stat_write_bytes,
	&kiss_lun_attr_stat_errors,
	&kiss_lun_attr_stat_latency,
	NULL,
};

static void kiss_lun_release(struct config_item *item)
{
	struct kiss_lun *lun = kiss_to_lun(item);

	kiss_res_free(&lun->res);
	free_percpu(lun->stats);
	kfree(lun);
}

static struct configfs_item_operations kiss_lun_item_ops = {
	.release	= kiss_lun_release,
};

static const struct config_item_type kiss_lun_type = {
	.ct_item_ops	= &kiss_lun_item_ops,
	.ct_attrs	= kiss_lun_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *kiss_lun_make(struct config_group *group,
					  const char *name)
{
	struct kiss_target *target = container_of(group, struct kiss_target,
						  luns_group);
	struct kiss_lun *lun;
	char canon[12];
	u32 id = U32_MAX;

	/*
	 * Only the canonical spelling, so that "7", "07" and "+7" cannot be
	 * three directories for one LUN.
	 */
	if (!kstrtou32(name, 10, &id))
		snprintf(canon, sizeof(canon), "%u", id);
	if (id >= KISS_MAX_LUNS || strcmp(name, canon)) {
		kiss_cfs_warn(&group->cg_item, name,
			      "a LUN is a decimal number 0..%d without leading zeros",
			      KISS_MAX_LUNS - 1);
		return ERR_PTR(-EINVAL);
	}
	lun = kzalloc(sizeof(*lun), GFP_KERNEL);
	if (!lun)
		return ERR_PTR(-ENOMEM);
	lun->stats = alloc_percpu(struct kiss_lun_stats);
	if (!lun->stats) {
		kfree(lun);
		return ERR_PTR(-ENOMEM);
	}
	lun->target = target;
	lun->id = id;
	init_completion(&lun->ref_done);
	kiss_res_init(&lun->res);
	sema_init(&lun->caw_sem, 1);
	spin_lock_init(&lun->fence_lock);
	INIT_LIST_HEAD(&lun->fence_waiters);
	config_group_init_type_name(&lun->group, name, &kiss_lun_type);
	return &lun->group;
}

/* Waits, bounded by the I/O in flight, for commands using the LUN. */
static void kiss_lun_drop(struct config_group *group, struct config_item *item)
{
	struct kiss_lun *lun = kiss_to_lun(item);

	mutex_lock(&kiss_cfg_mutex);
	if (lun->enabled)
		kiss_lun_disable(lun);
	mutex_unlock(&kiss_cfg_mutex);
	config_item_put(item);
}

static struct configfs_group_operations kiss_luns_group_ops = {
	.make_group	= kiss_lun_make,
	.drop_item	= kiss_lun_drop,
};

static const struct config_item_type kiss_luns_type = {
	.ct_group_ops	= &kiss_luns_group_ops,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* targets/<iqn>/acls/<initiator-iqn>/                                 */

static struct kiss_acl *kiss_to_acl(struct config_item *item)
{
	return container_of(to_config_group(item), struct kiss_acl, group);
}

/* Like every ACL setting, read at login: applies to new sessions. */
static ssize_t kiss_acl_readonly_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_to_acl(item)->readonly));
}

static ssize_t kiss_acl_readonly_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct kiss_acl *acl = kiss_to_acl(item);
	bool ro;

	if (kiss_cfs_bool01(item, "readonly", page, &ro))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	WRITE_ONCE(acl->readonly, ro);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

CONFIGFS_ATTR(kiss_acl_, readonly);

static struct configfs_attribute *kiss_acl_attrs[] = {
	&kiss_acl_attr_readonly,
	NULL,
};

static void kiss_acl_release(struct config_item *item)
{
	/* the CHAP secrets are in there */
	kfree_sensitive(kiss_to_acl(item));
}

static struct configfs_item_operations kiss_acl_item_ops = {
	.release	= kiss_acl_release,
};

static const struct config_item_type kiss_acl_type = {
	.ct_item_ops	= &kiss_acl_item_ops,
	.ct_attrs	= kiss_acl_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *kiss_acl_make(struct config_group *group,
					  const char *name)
{
	struct kiss_target *target = container_of(group, struct kiss_target,
						  acls_group);
	struct kiss_acl *acl;

	if (!kiss_text_iscsi_name_valid(name, strlen(name))) {
		kiss_cfs_warn(&group->cg_item, name,
			      "not an iSCSI name (iqn., eui. or naa., at most %d bytes)",
			      KISS_NAME_MAX);
		return ERR_PTR(-EINVAL);
	}
	acl = kzalloc(sizeof(*acl), GFP_KERNEL);
	if (!acl)
		return ERR_PTR(-ENOMEM);
	strscpy(acl->name, name, sizeof(acl->name));
	config_group_init_type_name(&acl->group, name, &kiss_acl_type);
	config_group_init_type_name(&acl->auth_group, "auth",
				    &kiss_acl_auth_type);
	configfs_add_default_group(&acl->auth_group, &acl->group);

	mutex_lock(&kiss_cfg_mutex);
	list_add_tail(&acl->entry, &target->acls);
	mutex_unlock(&kiss_cfg_mutex);
	return &acl->group;
}

/* The initiator is no longer allowed in: close what it has open. */
static void kiss_acl_drop(struct config_group *group, struct config_item *item)
{
	struct kiss_target *target = container_of(group, struct kiss_target,
						  acls_group);
	struct kiss_acl *acl = kiss_to_acl(item);

	mutex_lock(&kiss_cfg_mutex);
	list_del(&acl->entry);
	kiss_target_close_sessions_of(target, acl->name);
	mutex_unlock(&kiss_cfg_mutex);
	config_item_put(item);
}

static struct configfs_group_operations kiss_acls_group_ops = {
	.make_group	= kiss_acl_make,
	.drop_item	= kiss_acl_drop,
};

static const struct config_item_type kiss_acls_type = {
	.ct_group_ops	= &kiss_acls_group_ops,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* targets/<iqn>/portals/<name> -> ../../../portals/<name>             */

/*
 * A link only says "logins for this target are taken on that portal"
 * (kiss_target_on_portal()).  Removing one stops new logins through it;
 * sessions already open stay until they end or the target is disabled.
 */
static int kiss_target_portal_allow_link(struct config_item *parent,
					 struct config_item *item)
{
	struct kiss_target *target = container_of(to_config_group(parent),
						  struct kiss_target,
						  portals_group);
	struct kiss_portal_link *link, *p;
	struct kiss_portal *portal;

	if (item->ci_type != &kiss_portal_type) {
		kiss_cfs_warn(parent, config_item_name(item),
			      "only portals (../../../portals/<name>) can be linked here");
		return -EINVAL;
	}
	portal = kiss_to_portal(item);
	link = kmalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	link->portal = portal;

	mutex_lock(&kiss_cfg_mutex);
	list_for_each_entry(p, &target->portal_links, entry) {
		if (p->portal == portal) {
			mutex_unlock(&kiss_cfg_mutex);
			kfree(link);
			return -EEXIST;
		}
	}
	list_add_tail(&link->entry, &target->portal_links);
	portal->nr_links++;
	mutex_unlock(&kiss_cfg_mutex);
	return 0;
}

static void kiss_target_portal_drop_link(struct config_item *parent,
					 struct config_item *item)
{
	struct kiss_target *target = container_of(to_config_group(parent),
						  struct kiss_target,
						  portals_group);
	struct kiss_portal *portal = kiss_to_portal(item);
	struct kiss_portal_link *p;

	mutex_lock(&kiss_cfg_mutex);
	list_for_each_entry(p, &target->portal_links, entry) {
		if (p->portal == portal) {
			list_del(&p->entry);
			portal->nr_links--;
			kfree(p);
			break;
		}
	}
	mutex_unlock(&kiss_cfg_mutex);
}

static struct configfs_item_operations kiss_target_portals_item_ops = {
	.allow_link	= kiss_target_portal_allow_link,
	.drop_link	= kiss_target_portal_drop_link,
};

static const struct config_item_type kiss_target_portals_type = {
	.ct_item_ops	= &kiss_target_portals_item_ops,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* targets/<iqn>/                                                      */

static struct kiss_target *kiss_to_target(struct config_item *item)
{
	return container_of(to_config_group(item), struct kiss_target, group);
}

/* Free the target once configfs and every session are done with it. */
void kiss_target_release(struct kref *ref)
{
	struct kiss_target *target = container_of(ref, struct kiss_target,
						  ref);

	WARN_ON_ONCE(!list_empty(&target->sessions));
	/* the target's CHAP secrets are in there */
	kfree_sensitive(target);
}

void kiss_target_put(struct kiss_target *target)
{
	kref_put(&target->ref, kiss_target_release);
}

/* Disable: no new logins (the flag), then close what is open. */
static void kiss_target_stop(struct kiss_target *target)
{
	lockdep_assert_held(&kiss_cfg_mutex);

	spin_lock(&target->sess_lock);
	target->enabled = false;
	spin_unlock(&target->sess_lock);
	kiss_target_close_sessions(target);
}

static ssize_t kiss_tgt_enable_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_to_target(item)->enabled));
}

static ssize_t kiss_tgt_enable_store(struct config_item *item,
				     const char *page, size_t count)
{
	struct kiss_target *target = kiss_to_target(item);
	bool enable;
	ssize_t ret = count;

	if (kiss_cfs_bool01(item, "enable", page, &enable))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (enable && !target->enabled) {
		if (list_empty(&target->portal_links)) {
			kiss_cfs_warn(item, "enable",
				      "link a portal into portals/ first");
			ret = -EINVAL;
		} else {
			spin_lock(&target->sess_lock);
			target->enabled = true;
			spin_unlock(&target->sess_lock);
		}
	} else if (!enable && target->enabled) {
		kiss_target_stop(target);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

static ssize_t kiss_tgt_alias_show(struct config_item *item, char *page)
{
	ssize_t ret;

	mutex_lock(&kiss_cfg_mutex);
	ret = sprintf(page, "%s\n", kiss_to_target(item)->alias);
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

/* RFC 7143 13.6: TargetAlias is UTF-8 text, at most 255 bytes. */
static ssize_t kiss_tgt_alias_store(struct config_item *item,
				    const char *page, size_t count)
{
	struct kiss_target *target = kiss_to_target(item);
	ssize_t len;

	len = kiss_cfs_text(item, "alias", page, count, sizeof(target->alias));
	if (len < 0)
		return len;
	mutex_lock(&kiss_cfg_mutex);
	kiss_cfs_set(target->alias, sizeof(target->alias), page, len);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

static ssize_t kiss_tgt_tpgt_show(struct config_item *item, char *page)
{
	return sprintf(page, "%u\n", READ_ONCE(kiss_to_target(item)->tpgt));
}

/* The sessions' portal group tag: fixed while the target is enabled. */
static ssize_t kiss_tgt_tpgt_store(struct config_item *item,
				   const char *page, size_t count)
{
	struct kiss_target *target = kiss_to_target(item);

	return kiss_tgt_id_store(item, target, "tpgt", page, count,
				 &target->tpgt);
}

static ssize_t kiss_tgt_allow_any_initiator_show(struct config_item *item,
						 char *page)
{
	return sprintf(page, "%d\n",
		       READ_ONCE(kiss_to_target(item)->allow_any_initiator));
}

/* Read at login: turning it off does not close sessions already open. */
static ssize_t kiss_tgt_allow_any_initiator_store(struct config_item *item,
						  const char *page,
						  size_t count)
{
	struct kiss_target *target = kiss_to_target(item);
	bool allow;

	if (kiss_cfs_bool01(item, "allow_any_initiator", page, &allow))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	WRITE_ONCE(target->allow_any_initiator, allow);
	mutex_unlock(&kiss_cfg_mutex);
	return count;
}

/* session.c formats the list under the target's sess_lock. */
static ssize_t kiss_tgt_sessions_show(struct config_item *item, char *page)
{
	return kiss_target_sessions_show(kiss_to_target(item), page);
}

CONFIGFS_ATTR(kiss_tgt_, enable);
CONFIGFS_ATTR(kiss_tgt_, alias);
CONFIGFS_ATTR(kiss_tgt_, tpgt);
CONFIGFS_ATTR(kiss_tgt_, allow_any_initiator);
CONFIGFS_ATTR_RO(kiss_tgt_, sessions);

static struct configfs_attribute *kiss_target_attrs[] = {
	&kiss_tgt_attr_enable,
	&kiss_tgt_attr_alias,
	&kiss_tgt_attr_tpgt,
	&kiss_tgt_attr_allow_any_initiator,
	&kiss_tgt_attr_sessions,
	NULL,
};

/*
 * configfs's reference, the last one to go unless a session still holds
 * the target (sessions keep it until they are freed).
 */
static void kiss_target_item_release(struct config_item *item)
{
	kiss_target_put(kiss_to_target(item));
}

static struct configfs_item_operations kiss_target_item_ops = {
	.release	= kiss_target_item_release,
};

static const struct config_item_type kiss_target_type = {
	.ct_item_ops	= &kiss_target_item_ops,
	.ct_attrs	= kiss_target_attrs,
	.ct_owner	= THIS_MODULE,
};

/* The negotiation defaults are the negotiator's own: one place for them. */
static void kiss_target_params_default(struct kiss_target_params *p)
{
	struct kiss_neg_config cfg;

	kiss_neg_config_default(&cfg);
	p->max_recv_dsl = cfg.max_recv_dsl;
	p->max_burst = cfg.max_burst_length;
	p->first_burst = cfg.first_burst_length;
	p->max_outstanding_r2t = cfg.max_outstanding_r2t;
	p->immediate_data = cfg.immediate_data;
	p->initial_r2t = cfg.initial_r2t;
	p->header_digests = cfg.header_digests;
	p->data_digests = cfg.data_digests;
	p->queue_depth = KISS_DEFAULT_QUEUE_DEPTH;
	p->nopin_interval = 15;
	p->nopin_timeout = 30;
}

static struct config_group *kiss_target_make(struct config_group *group,
					     const char *name)
{
	struct kiss_target *target;

	if (!kiss_text_iscsi_name_valid(name, strlen(name))) {
		kiss_cfs_warn(&group->cg_item, name,
			      "not an iSCSI name (iqn., eui. or naa., at most %d bytes)",
			      KISS_NAME_MAX);
		return ERR_PTR(-EINVAL);
	}
	target = kzalloc(sizeof(*target), GFP_KERNEL);
	if (!target)
		return ERR_PTR(-ENOMEM);
	kref_init(&target->ref);
	strscpy(target->name, name, sizeof(target->name));
	target->tpgt = 1;
	target->alua.group_id = 1;
	target->alua.rel_port_id = 1;
	target->alua.state = KISS_ALUA_ACTIVE_OPTIMIZED;
	kiss_target_params_default(&target->params);
	INIT_LIST_HEAD(&target->acls);
	INIT_LIST_HEAD(&target->portal_links);
	spin_lock_init(&target->sess_lock);
	INIT_LIST_HEAD(&target->sessions);

	config_group_init_type_name(&target->group, name, &kiss_target_type);
	config_group_init_type_name(&target->params_group, "params",
				    &kiss_params_type);
	configfs_add_default_group(&target->params_group, &target->group);
	config_group_init_type_name(&target->auth_group, "auth",
				    &kiss_target_auth_type);
	configfs_add_default_group(&target->auth_group, &target->group);
	config_group_init_type_name(&target->luns_group, "luns",
				    &kiss_luns_type);
	configfs_add_default_group(&target->luns_group, &target->group);
	config_group_init_type_name(&target->acls_group, "acls",
				    &kiss_acls_type);
	configfs_add_default_group(&target->acls_group, &target->group);
	config_group_init_type_name(&target->portals_group, "portals",
				    &kiss_target_portals_type);
	configfs_add_default_group(&target->portals_group, &target->group);
	config_group_init_type_name(&target->alua_group, "alua",
				    &kiss_alua_type);
	configfs_add_default_group(&target->alua_group, &target->group);

	mutex_lock(&kiss_cfg_mutex);
	list_add_tail(&target->entry, &kiss_targets);
	mutex_unlock(&kiss_cfg_mutex);
	return &target->group;
}

/*
 * configfs only lets the target go once its luns/, acls/ and portals/
 * are empty (-ENOTEMPTY otherwise); sessions of initiators admitted by
 * allow_any_initiator may still be open, and are closed here.
 */
static void kiss_target_drop(struct config_group *group,
			     struct config_item *item)
{
	struct kiss_target *target = kiss_to_target(item);

	mutex_lock(&kiss_cfg_mutex);
	list_del(&target->entry);
	kiss_target_stop(target);
	mutex_unlock(&kiss_cfg_mutex);
	config_item_put(item);
}

static struct configfs_group_operations kiss_targets_group_ops = {
	.make_group	= kiss_target_make,
	.drop_item	= kiss_target_drop,
};

static const struct config_item_type kiss_targets_type = {
	.ct_group_ops	= &kiss_targets_group_ops,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* discovery/                                                          */

static ssize_t kiss_disc_enforce_auth_show(struct config_item *item,
					   char *page)
{
	return sprintf(page, "%d\n", READ_ONCE(kiss_discovery_enforce_auth));
}

/* Enforcing CHAP without credentials would only lock everyone out. */
static ssize_t kiss_disc_enforce_auth_store(struct config_item *item,
					    const char *page, size_t count)
{
	ssize_t ret = count;
	bool enforce;

	if (kiss_cfs_bool01(item, "enforce_auth", page, &enforce))
		return -EINVAL;
	mutex_lock(&kiss_cfg_mutex);
	if (enforce && (!kiss_discovery_auth.userid[0] ||
			!kiss_discovery_auth.password[0])) {
		kiss_cfs_warn(item, "enforce_auth",
			      "set auth/userid and auth/password first");
		ret = -EINVAL;
	} else {
		WRITE_ONCE(kiss_discovery_enforce_auth, enforce);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return ret;
}

CONFIGFS_ATTR(kiss_disc_, enforce_auth);

static struct configfs_attribute *kiss_discovery_attrs[] = {
	&kiss_disc_attr_enforce_auth,
	NULL,
};

static const struct config_item_type kiss_discovery_type = {
	.ct_attrs	= kiss_discovery_attrs,
	.ct_owner	= THIS_MODULE,
};

/* ------------------------------------------------------------------ */
/* The subsystem                                                       */

static struct config_group kiss_portals_group;
static struct config_group kiss_targets_group;
static struct config_group kiss_discovery_group;
static struct config_group kiss_discovery_auth_group;

static const struct config_item_type kiss_root_type = {
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem kiss_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "kiss",
			.ci_type	= &kiss_root_type,
		},
	},
};

int kiss_configfs_init(void)
{
	struct config_group *root = &kiss_subsys.su_group;
	int ret;

	config_group_init(root);
	mutex_init(&kiss_subsys.su_mutex);

	config_group_init_type_name(&kiss_portals_group, "portals",
				    &kiss_portals_type);
	configfs_add_default_group(&kiss_portals_group, root);
	config_group_init_type_name(&kiss_targets_group, "targets",
				    &kiss_targets_type);
	configfs_add_default_group(&kiss_targets_group, root);
	config_group_init_type_name(&kiss_discovery_group, "discovery",
				    &kiss_discovery_type);
	configfs_add_default_group(&kiss_discovery_group, root);
	config_group_init_type_name(&kiss_discovery_auth_group, "auth",
				    &kiss_discovery_auth_type);
	configfs_add_default_group(&kiss_discovery_auth_group,
				   &kiss_discovery_group);

	ret = configfs_register_subsystem(&kiss_subsys);
	if (ret)
		pr_err("configfs_register_subsystem: %d\n", ret);
	return ret;
}

void kiss_configfs_exit(void)
{
	configfs_unregister_subsystem(&kiss_subsys);
	/* the global secrets outlive no module */
	memzero_explicit(&kiss_discovery_auth, sizeof(kiss_discovery_auth));
}
