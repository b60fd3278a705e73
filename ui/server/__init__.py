"""What the Streamlit server process needs, apart from any page: the heavy-work queue, lighter
reruns, shutting forgotten sessions down, memory given back, and the timing log."""
