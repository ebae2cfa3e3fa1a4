// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: portals, the listening sockets.  Each enabled portal has a kernel
 * thread blocked in accept(); every accepted connection is handed to
 * conn.c, which owns it from then on.
 *
 * A portal bounds the connections it takes: max_connections open at once
 * through it, max_per_source of them from one IP address (configfs).  A
 * connection counts from accept until conn.c frees it, whatever ends it,
 * and pins the portal's config item for that long, so the count outlives
 * an rmdir of the portal.  Counting from one source walks the portal's
 * list, at most max_connections long, under conns_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kiss.h"

/* The same host: address family and address, not the port. */
static bool kiss_same_source(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)
		return ipv6_addr_equal(&((const struct sockaddr_in6 *)a)->sin6_addr,
				       &((const struct sockaddr_in6 *)b)->sin6_addr);
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

/**
 * kiss_portal_conn_add() - count a new connection against its portal
 * @portal: the portal it came in on
 * @conn: the connection, with its peer address
 *
 * Refuses the connection when the portal already has max_connections
 * open, or max_per_source from the same address.  An admitted connection
 * is on portal->conns and holds a reference on the portal's config item
 * until kiss_portal_conn_del().
 *
 * Context: the portal's accept thread.
 * Return: 0, or -EBUSY (logged, ratelimited).
 */
int kiss_portal_conn_add(struct kiss_portal *portal, struct kiss_conn *conn)
{
	u32 max_conns = READ_ONCE(portal->max_connections);
	u32 max_src = READ_ONCE(portal->max_per_source);
	struct kiss_conn *c;
	u32 n = 0;

	mutex_lock(&portal->conns_lock);
	if (portal->nr_conns >= max_conns)
		goto err_full;
	list_for_each_entry(c, &portal->conns, portal_entry) {
		if (kiss_same_source(&c->peer, &conn->peer) && ++n >= max_src)
			goto err_source;
	}
	list_add_tail(&conn->portal_entry, &portal->conns);
	portal->nr_conns++;
	config_item_get(&portal->group.cg_item);
	mutex_unlock(&portal->conns_lock);
	return 0;

err_full:
	mutex_unlock(&portal->conns_lock);
	pr_warn_ratelimited("portal %s (%pISpc): %pISc refused: max_connections (%u) open\n",
			    config_item_name(&portal->group.cg_item),
			    &portal->addr, &conn->peer, max_conns);
	return -EBUSY;
err_source:
	mutex_unlock(&portal->conns_lock);
	pr_warn_ratelimited("portal %s (%pISpc): %pISc refused: max_per_source (%u) open from it\n",
			    config_item_name(&portal->group.cg_item),
			    &portal->addr, &conn->peer, max_src);
	return -EBUSY;
}

/**
 * kiss_portal_conn_del() - a connection no longer counts
 * @conn: a connection kiss_portal_conn_add() admitted
 *
 * Drops the connection's reference on its portal, which may free it.
 *
 * Context: process, no kiss lock held.
 */
void kiss_portal_conn_del(struct kiss_conn *conn)
{
	struct kiss_portal *portal = conn->portal;

	mutex_lock(&portal->conns_lock);
	list_del(&conn->portal_entry);
	portal->nr_conns--;
	mutex_unlock(&portal->conns_lock);
	config_item_put(&portal->group.cg_item);
}

static int kiss_portal_accept_thread(void *data)
{
	struct kiss_portal *portal = data;

	while (!kthread_should_stop()) {
		struct socket *sock;
		int ret;

		ret = kernel_accept(portal->sock, &sock, 0);
		if (ret) {
			if (kthread_should_stop())
				break;
			/* Out of memory or a reset before accept: carry on. */
			if (ret != -EAGAIN && ret != -ECONNABORTED)
				pr_warn_ratelimited("portal %pISpc: accept: %d\n",
						    &portal->addr, ret);
			if (ret == -EINVAL)	/* socket shut down */
				break;
			msleep(20);
			continue;
		}
		/* Beyond a limit it goes at once, before a byte is read. */
		ret = kiss_conn_start(portal, sock);
		if (ret) {
			if (ret != -EBUSY)	/* -EBUSY: a limit, said */
				pr_warn_ratelimited("portal %pISpc: connection refused: %d\n",
						    &portal->addr, ret);
			sock_release(sock);
		}
	}
	/* kthread_stop() must find us still running: wait for it. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/**
 * kiss_portal_enable() - start listening on a portal's address
 * @portal: the portal, with addr (and port) set
 *
 * Context: kiss_cfg_mutex held.
 * Return: 0, or -errno (-EADDRINUSE when the port is taken).
 */
int kiss_portal_enable(struct kiss_portal *portal)
{
	struct sockaddr *sa = (struct sockaddr *)&portal->addr;
	int len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					       sizeof(struct sockaddr_in);
	struct socket *sock;
	int ret;

	lockdep_assert_held(&kiss_cfg_mutex);
	if (portal->enabled)
		return 0;

	ret = sock_create_kern(&init_net, sa->sa_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	sock_set_reuseaddr(sock->sk);
	tcp_sock_set_nodelay(sock->sk);
	if (sa->sa_family == AF_INET6)
		ip6_sock_set_v6only(sock->sk);

	ret = kernel_bind(sock, sa, len);
	if (ret)
		goto err_release;
	ret = kernel_listen(sock, 128);
	if (ret)
		goto err_release;

	portal->sock = sock;
	portal->thread = kthread_run(kiss_portal_accept_thread, portal,
				     "kiss_accept");
	if (IS_ERR(portal->thread)) {
		ret = PTR_ERR(portal->thread);
		portal->thread = NULL;
		portal->sock = NULL;
		goto err_release;
	}
	portal->enabled = true;
	pr_info("listening on %pISpc\n", &portal->addr);
	return 0;

err_release:
	sock_release(sock);
	return ret;
}

/**
 * kiss_portal_disable() - stop listening
 * @portal: an enabled portal
 *
 * Sessions that came in through the portal stay: they belong to their
 * targets.  Only the listening socket goes.
 *
 * Context: kiss_cfg_mutex held.
 */
void kiss_portal_disable(struct kiss_portal *portal)
{
	lockdep_assert_held(&kiss_cfg_mutex);
	if (!portal->enabled)
		return;
	/* Wakes the thread out of accept() with an error. */
	kernel_sock_shutdown(portal->sock, SHUT_RDWR);
	kthread_stop(portal->thread);
	sock_release(portal->sock);
	portal->thread = NULL;
	portal->sock = NULL;
	portal->enabled = false;
	pr_info("stopped listening on %pISpc\n", &portal->addr);
}
