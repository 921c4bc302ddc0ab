package io.switchboard.itapp.cdi;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * {@code POST /announce?text=...}: has the {@link NewsDesk} publish, answers
 * {@code {"offset":..., "node":..., "producer":...}} (which bean produced the Switchboard it used).
 */
@WebServlet("/announce")
public class AnnounceServlet extends HttpServlet {

    /** Set by the application's own producer, where there is one. */
    public static final String PRODUCER_ATTRIBUTE = "it.switchboard.producer";

    @Inject
    NewsDesk desk;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String text = request.getParameter("text");
        if (text == null || !text.matches("[A-Za-z0-9 -]{1,100}")) {
            response.sendError(400, "text: 1 to 100 letters, digits, spaces or dashes");
            return;
        }
        String offset = desk.announce(text).toCompletableFuture().join();
        Object producer = getServletContext().getAttribute(PRODUCER_ATTRIBUTE);
        response.setContentType("application/json");
        response.getWriter().write("{\"offset\":\"" + offset + "\",\"node\":\"" + desk.nodeId() + "\",\"producer\":\""
                + (producer == null ? "switchboard" : producer) + "\"}");
    }
}
