package org.caravan.broker;

import static org.apache.activemq.artemis.core.security.CheckType.BROWSE;
import static org.apache.activemq.artemis.core.security.CheckType.CONSUME;
import static org.apache.activemq.artemis.core.security.CheckType.CREATE_ADDRESS;
import static org.apache.activemq.artemis.core.security.CheckType.CREATE_NON_DURABLE_QUEUE;
import static org.apache.activemq.artemis.core.security.CheckType.DELETE_ADDRESS;
import static org.apache.activemq.artemis.core.security.CheckType.DELETE_NON_DURABLE_QUEUE;
import static org.apache.activemq.artemis.core.security.CheckType.MANAGE;
import static org.apache.activemq.artemis.core.security.CheckType.SEND;
import static org.apache.activemq.artemis.core.security.CheckType.VIEW;

import java.util.EnumSet;
import java.util.Set;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;

/**
 * Who may do what on the broker. Artemis applies only the most specific matching address
 * pattern, so every pattern below names every role that may touch it:
 * <ul>
 * <li>{@value #ENGINE}: the engine's own login; everything (intake, delivery, events, spool).</li>
 * <li>{@value #SUBMITTER}: applications; send to mail.submit and subscribe to mail.events, nothing
 * else. Mail reaches the delivery queues only through intake (Bcc strip, policy, size limit).</li>
 * <li>{@value #ADMIN}: operators' tools (Artemis CLI, JMS browsers): browse any mail queue and use
 * the management address, with private reply queues for its answers; no sending into the spool.</li>
 * </ul>
 */
final class BrokerRoles {

    static final String ENGINE = "engine";
    static final String SUBMITTER = "submitter";
    static final String ADMIN = "admin";

    static final String SUBMIT = "mail.submit";
    static final String EVENTS = "mail.events";

    private BrokerRoles() {
    }

    static void grant(Configuration config) {
        // anything not mail: the engine's test and temporary queues, the admin's reply queues
        config.putSecurityRoles("#", Set.of(engine(), role(ADMIN, SEND, CONSUME, BROWSE, VIEW,
                CREATE_ADDRESS, DELETE_ADDRESS, CREATE_NON_DURABLE_QUEUE, DELETE_NON_DURABLE_QUEUE)));
        // the spool: delivery queues, mail.invalid, mail.dead
        config.putSecurityRoles("mail.#", Set.of(engine(), role(ADMIN, BROWSE, VIEW)));
        config.putSecurityRoles(SUBMIT, Set.of(engine(), role(SUBMITTER, SEND), role(ADMIN, BROWSE, VIEW)));
        // a subscriber's queue on a multicast address is non-durable and its own; STOMP's subscribe
        // names no routing type, so Artemis asks for createAddress as well (mail.events exists)
        Set<CheckType> subscribe = EnumSet.of(CONSUME, CREATE_NON_DURABLE_QUEUE, DELETE_NON_DURABLE_QUEUE, CREATE_ADDRESS);
        config.putSecurityRoles(EVENTS, Set.of(engine(), role(SUBMITTER, subscribe), role(ADMIN, subscribe)));
        config.putSecurityRoles(config.getManagementAddress() + "#", Set.of(engine(), role(ADMIN, SEND, MANAGE, VIEW)));
    }

    private static Role engine() {
        return role(ENGINE, EnumSet.allOf(CheckType.class));
    }

    private static Role role(String name, CheckType first, CheckType... rest) {
        return role(name, EnumSet.of(first, rest));
    }

    private static Role role(String name, Set<CheckType> permissions) {
        Role role = new Role();
        role.setName(name);
        role.setSend(permissions.contains(SEND));
        role.setConsume(permissions.contains(CONSUME));
        role.setCreateAddress(permissions.contains(CREATE_ADDRESS));
        role.setDeleteAddress(permissions.contains(DELETE_ADDRESS));
        role.setCreateDurableQueue(permissions.contains(CheckType.CREATE_DURABLE_QUEUE));
        role.setDeleteDurableQueue(permissions.contains(CheckType.DELETE_DURABLE_QUEUE));
        role.setCreateNonDurableQueue(permissions.contains(CREATE_NON_DURABLE_QUEUE));
        role.setDeleteNonDurableQueue(permissions.contains(DELETE_NON_DURABLE_QUEUE));
        role.setManage(permissions.contains(MANAGE));
        role.setBrowse(permissions.contains(BROWSE));
        role.setView(permissions.contains(VIEW));
        role.setEdit(permissions.contains(CheckType.EDIT));
        return role;
    }
}
