package io.switchboard.internal.metrics;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;

/**
 * A JMX domain that belongs to one node in this JVM. Two web applications with Switchboard in one
 * container would otherwise register the same MBean names: the first wins and the second's meters
 * are missing, silently. The domain is claimed by registering {@code <domain>:type=Node}, which
 * fails if another node holds it (atomically: two applications starting at once cannot both
 * win); the next candidate is {@code <domain>-2}, and so on. The claim holds the node's id, so a
 * JMX console tells which node a domain is.
 */
public final class JmxDomain {
    /** Candidates tried before giving up: far more web applications than a container runs. */
    private static final int MAX_CANDIDATES = 100;

    /** What {@code <domain>:type=Node} shows. */
    public interface NodeMBean {
        String getNodeId();
    }

    private final String name;
    private final ObjectName claim;

    private JmxDomain(String name, ObjectName claim) {
        this.name = name;
        this.claim = claim;
    }

    /** Claims {@code wanted}, or the first free {@code wanted-N}, on the platform MBean server. */
    static JmxDomain reserve(String wanted, String nodeId) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int i = 1; i <= MAX_CANDIDATES; i++) {
            String candidate = i == 1 ? wanted : wanted + "-" + i;
            try {
                ObjectName claim = new ObjectName(candidate, "type", "Node");
                NodeMBean node = () -> nodeId;
                server.registerMBean(new StandardMBean(node, NodeMBean.class), claim);
                return new JmxDomain(candidate, claim);
            } catch (InstanceAlreadyExistsException taken) {
                // held by another web application's node: try the next
            } catch (JMException e) {
                throw new IllegalStateException("cannot register the JMX domain " + candidate + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("no free JMX domain among " + wanted + " to " + wanted + "-" + MAX_CANDIDATES);
    }

    /**
     * The domain wanted for a web application: {@code switchboard} at the root context,
     * {@code switchboard.shop} at {@code /shop} (what of the path a JMX domain may hold).
     */
    public static String forContext(String contextPath) {
        String path = contextPath == null ? "" : contextPath.replaceAll("[^A-Za-z0-9_.-]+", ".").replaceAll("^\\.+|\\.+$", "");
        return path.isEmpty() ? "switchboard" : "switchboard." + path;
    }

    String name() {
        return name;
    }

    void release() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(claim);
        } catch (InstanceNotFoundException gone) {
            // already unregistered
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister " + claim, e);
        }
    }
}
