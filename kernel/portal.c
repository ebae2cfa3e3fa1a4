// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: portals, the listening sockets.  Each enabled portal has a kernel
 * thread blocked in accept(); every accepted connection is handed to
 * conn.c, which owns it from then on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kiss.h"

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
		ret = kiss_conn_start(portal, sock);
		if (ret) {
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
